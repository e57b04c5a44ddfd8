package shotline

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// Project groups boards within a workspace.
type Project struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspaceId"`
	Name        string    `json:"name"`
	Archived    bool      `json:"archived"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// ProjectUpdate holds the fields to change; nil means unchanged.
type ProjectUpdate struct {
	Name     *string
	Archived *bool
}

// ProjectService stores projects.
type ProjectService interface {
	// CreateProject stores p, setting ID and timestamps.
	CreateProject(ctx context.Context, p *Project) error
	// FindProjectByID returns ENOTFOUND if there is no such project.
	FindProjectByID(ctx context.Context, id string) (*Project, error)
	// FindProjects lists a workspace's projects by name, archived ones only if asked.
	FindProjects(ctx context.Context, workspaceID string, archived bool) ([]*Project, error)
	// UpdateProject applies upd. Returns ENOTFOUND.
	UpdateProject(ctx context.Context, id string, upd ProjectUpdate) (*Project, error)
	// DeleteProject deletes the project and its boards. Returns ENOTFOUND.
	DeleteProject(ctx context.Context, id string) error
}

// Aspect ratios a board or shot may have.
var AspectRatios = []string{"16:9", "9:16", "1:1", "4:3", "2.39:1"}

// Shot statuses.
const (
	ShotDraft            = "draft"
	ShotApproved         = "approved"
	ShotChangesRequested = "changes_requested"
)

// Shot durations in seconds.
const (
	MinShotDuration     = 0.5
	MaxShotDuration     = 60
	DefaultShotDuration = 3
)

// Board is a storyboard: settings and an ordered list of shots. Seq is the
// sequence number of the last realtime op applied to it.
type Board struct {
	ID                  string  `json:"id"`
	WorkspaceID         string  `json:"workspaceId"`
	ProjectID           string  `json:"projectId"`
	Title               string  `json:"title"`
	Description         string  `json:"description"`
	AspectRatio         string  `json:"aspectRatio"`
	DefaultShotDuration float64 `json:"defaultShotDuration"`
	Archived            bool    `json:"archived"`
	Seq                 int64   `json:"seq"`
	Shots               []Shot  `json:"shots"`
	// ShotCount and FrameShotIDs (the first shots, in order) let board
	// lists show a board's size and first frames without its shots.
	ShotCount    int       `json:"shotCount"`
	FrameShotIDs []string  `json:"frameShotIds"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// MaxFrameShots is how many first shots a board list names per board.
const MaxFrameShots = 4

// Shot is one clip of a board. Position is a fractional index: shots are
// ordered by it, and a shot can be put between any two others.
type Shot struct {
	ID          string  `json:"id"`
	Position    string  `json:"position"`
	Title       string  `json:"title"`
	Prompt      string  `json:"prompt"`
	Notes       string  `json:"notes"`
	Duration    float64 `json:"duration"`
	AspectRatio string  `json:"aspectRatio"`
	Status      string  `json:"status"`
}

// Board field limits.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 5000
)

// MaxProviderNameLength bounds a render provider's or model's name, in
// code points.
const MaxProviderNameLength = 100

// ValidateProviderName returns EINVALID if name is too long to be a render
// provider's name. Whether the server has such a provider is the render
// service's question, asked when a render is queued.
func ValidateProviderName(field, name string) error {
	if utf8.RuneCountInString(name) > MaxProviderNameLength {
		return Invalid(field, fmt.Sprintf("must be at most %d characters", MaxProviderNameLength))
	}
	return nil
}

// ValidateAspectRatio returns EINVALID unless s is one of AspectRatios.
func ValidateAspectRatio(s string) error {
	for _, v := range AspectRatios {
		if s == v {
			return nil
		}
	}
	return Invalid("aspectRatio", "must be one of 16:9, 9:16, 1:1, 4:3, 2.39:1")
}

// ValidateDuration returns EINVALID unless d is a shot duration in range.
func ValidateDuration(field string, d float64) error {
	if !(d >= MinShotDuration && d <= MaxShotDuration) {
		return Invalid(field, "must be between 0.5 and 60 seconds")
	}
	return nil
}

// BoardUpdate holds the board settings to change; nil means unchanged.
type BoardUpdate struct {
	Title               *string
	Description         *string
	AspectRatio         *string
	DefaultShotDuration *float64
	DefaultProvider     *string
	Archived            *bool
	// Shots: the board's shot count and first shot ids (set by the room
	// when shots come, go or move; never by a request).
	Shots *ShotSummary
}

// ShotSummary is what a board list shows of a board's shots.
type ShotSummary struct {
	Count        int
	FrameShotIDs []string
}

// Validate checks and normalizes the fields that are set.
func (u *BoardUpdate) Validate() error {
	if u.Title != nil {
		t, err := ValidateName("title", *u.Title, MaxTitleLength)
		if err != nil {
			return err
		}
		u.Title = &t
	}
	if u.Description != nil && len([]rune(*u.Description)) > MaxDescriptionLength {
		return Invalid("description", "must be at most 5000 characters")
	}
	if u.AspectRatio != nil {
		if err := ValidateAspectRatio(*u.AspectRatio); err != nil {
			return err
		}
	}
	if u.DefaultShotDuration != nil {
		if err := ValidateDuration("defaultShotDuration", *u.DefaultShotDuration); err != nil {
			return err
		}
	}
	if u.DefaultProvider != nil {
		if err := ValidateProviderName("defaultProvider", *u.DefaultProvider); err != nil {
			return err
		}
	}
	return nil
}

// BoardService stores boards.
type BoardService interface {
	// CreateBoard stores b, setting ID and timestamps.
	CreateBoard(ctx context.Context, b *Board) error
	// FindBoardByID returns the board with its shots in order.
	// Returns ENOTFOUND if there is no such board.
	FindBoardByID(ctx context.Context, id string) (*Board, error)
	// FindBoards lists a project's boards by title, without their shots,
	// archived ones only if asked.
	FindBoards(ctx context.Context, projectID string, archived bool) ([]*Board, error)
	// UpdateBoard applies upd. Returns ENOTFOUND.
	UpdateBoard(ctx context.Context, id string, upd BoardUpdate) (*Board, error)
	// DeleteBoard deletes the board. Returns ENOTFOUND.
	DeleteBoard(ctx context.Context, id string) error
}
