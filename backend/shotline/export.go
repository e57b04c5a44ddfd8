package shotline

import (
	"context"
	"fmt"
	"time"
)

// ExportFormat is what an export makes.
type ExportFormat string

// Export formats.
const (
	ExportMP4    ExportFormat = "mp4"    // animatic of the timeline
	ExportPDF    ExportFormat = "pdf"    // storyboard: frames, prompts, notes
	ExportCSV    ExportFormat = "csv"    // shot list
	ExportOTIO   ExportFormat = "otio"   // OpenTimelineIO JSON
	ExportFCPXML ExportFormat = "fcpxml" // Final Cut Pro XML
	ExportBundle ExportFormat = "bundle" // ZIP of the board or project, for import
)

// ExportFormats lists every format, in menu order.
var ExportFormats = []ExportFormat{ExportMP4, ExportPDF, ExportCSV, ExportOTIO, ExportFCPXML, ExportBundle}

// ContentType is the media type of an export's file.
func (f ExportFormat) ContentType() string {
	switch f {
	case ExportMP4:
		return "video/mp4"
	case ExportPDF:
		return "application/pdf"
	case ExportCSV:
		return "text/csv; charset=utf-8"
	case ExportOTIO:
		return "application/json"
	case ExportFCPXML:
		return "application/xml"
	default:
		return "application/zip"
	}
}

// Extension is the file name extension of an export's file.
func (f ExportFormat) Extension() string {
	if f == ExportBundle {
		return "zip"
	}
	return string(f)
}

// ExportOptions shape an export; each format reads its own.
type ExportOptions struct {
	// MP4
	Resolution string `json:"resolution,omitempty"` // "360p", "720p" (default) or "1080p": the short side
	FPS        int    `json:"fps,omitempty"`        // 24 (default), 25 or 30
	BurnIn     bool   `json:"burnIn,omitempty"`     // shot numbers and titles burned in
	// PDF
	PerRow      int    `json:"perRow,omitempty"`      // frames per row, 1-4 (default 2)
	Orientation string `json:"orientation,omitempty"` // "portrait" or "landscape" (default)
	Paper       string `json:"paper,omitempty"`       // "A4" (default) or "Letter"
}

// Normalize fills defaults and checks the options. Returns EINVALID naming
// the field.
func (o *ExportOptions) Normalize() error {
	switch o.Resolution {
	case "":
		o.Resolution = "720p"
	case "360p", "720p", "1080p":
	default:
		return Invalid("resolution", "must be 360p, 720p or 1080p")
	}
	switch o.FPS {
	case 0:
		o.FPS = 24
	case 24, 25, 30:
	default:
		return Invalid("fps", "must be 24, 25 or 30")
	}
	switch {
	case o.PerRow == 0:
		o.PerRow = 2
	case o.PerRow < 1 || o.PerRow > 4:
		return Invalid("perRow", "must be between 1 and 4")
	}
	switch o.Orientation {
	case "":
		o.Orientation = "landscape"
	case "portrait", "landscape":
	default:
		return Invalid("orientation", "must be portrait or landscape")
	}
	switch o.Paper {
	case "":
		o.Paper = "A4"
	case "A4", "Letter":
	default:
		return Invalid("paper", "must be A4 or Letter")
	}
	return nil
}

// ValidExportFormat returns EINVALID unless f is one of ExportFormats.
func ValidExportFormat(f ExportFormat) error {
	for _, v := range ExportFormats {
		if f == v {
			return nil
		}
	}
	return Invalid("format", fmt.Sprintf("%q is not one of mp4, pdf, csv, otio, fcpxml, bundle", f))
}

// ExportScope names the list a board's or a project's exports are kept in.
func ExportScope(projectID, boardID string) string {
	if boardID != "" {
		return "board:" + boardID
	}
	return "project:" + projectID
}

// MaxExportsPerScope bounds a board's or project's list of exports; older
// ones expire with their retention anyway.
const MaxExportsPerScope = 200

// ImportPhase is the step an import of a bundle is at.
type ImportPhase string

// Import phases, in order.
const (
	ImportReceiving ImportPhase = "receiving" // the bundle's bytes arrive (Done, Total: bytes)
	ImportChecking  ImportPhase = "checking"  // its directory and manifest are checked
	ImportStoring   ImportPhase = "storing"   // its boards and files are stored (Done, Total: bytes unpacked)
)

// ImportProgress is how far a running import is. It exists only while the
// import runs: the import's answer (its report or its error) ends it.
type ImportProgress struct {
	ID          string      `json:"id"`
	WorkspaceID string      `json:"-"`
	UserID      string      `json:"-"`
	Phase       ImportPhase `json:"phase" enum:"receiving,checking,storing"`
	Done        int64       `json:"done" doc:"Bytes done in this phase."`
	Total       int64       `json:"total" doc:"Bytes of this phase; 0 if not known yet."`
	Files       int         `json:"files" doc:"Files stored (phase storing)."`
	FilesTotal  int         `json:"filesTotal" doc:"Files the bundle holds (phase storing)."`
	UpdatedAt   time.Time   `json:"updatedAt"`
}

// ImportProgressStore keeps the progress of running imports, where any
// app instance can read it. Every method reaches its document by _id.
type ImportProgressStore interface {
	// CreateImportProgress stores p; returns ECONFLICT if its id is taken.
	CreateImportProgress(ctx context.Context, p *ImportProgress) error
	// SetImportProgress replaces the phase and counters of p's document.
	SetImportProgress(ctx context.Context, p *ImportProgress) error
	// FindImportProgress returns ENOTFOUND if there is no such import
	// running.
	FindImportProgress(ctx context.Context, id string) (*ImportProgress, error)
	// DeleteImportProgress forgets an import's progress once it is done.
	DeleteImportProgress(ctx context.Context, id string) error
}
