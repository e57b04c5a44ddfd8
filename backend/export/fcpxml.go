package export

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/shotline/shotline/backend/shotline"
)

type fcpxmlDoc struct {
	XMLName   xml.Name       `xml:"fcpxml"`
	Version   string         `xml:"version,attr"`
	Resources fcpxmlResource `xml:"resources"`
	Library   struct {
		Event struct {
			Name    string `xml:"name,attr"`
			Project struct {
				Name     string `xml:"name,attr"`
				Sequence struct {
					Format   string `xml:"format,attr"`
					Duration string `xml:"duration,attr"`
					TCStart  string `xml:"tcStart,attr"`
					TCFormat string `xml:"tcFormat,attr"`
					Spine    struct {
						Items []any
					} `xml:"spine"`
				} `xml:"sequence"`
			} `xml:"project"`
		} `xml:"event"`
	} `xml:"library"`
}

type fcpxmlResource struct {
	Format struct {
		ID            string `xml:"id,attr"`
		Name          string `xml:"name,attr,omitempty"`
		FrameDuration string `xml:"frameDuration,attr"`
		Width         int    `xml:"width,attr"`
		Height        int    `xml:"height,attr"`
	} `xml:"format"`
	Assets []fcpxmlAsset `xml:"asset"`
}

type fcpxmlAsset struct {
	ID       string `xml:"id,attr"`
	Name     string `xml:"name,attr"`
	Start    string `xml:"start,attr"`
	Duration string `xml:"duration,attr"`
	HasVideo string `xml:"hasVideo,attr"`
	Format   string `xml:"format,attr"`
	Media    struct {
		Src  string `xml:"src,attr"`
		Kind string `xml:"kind,attr"`
	} `xml:"media-rep"`
}

type fcpxmlMarker struct {
	XMLName  xml.Name `xml:"marker"`
	Start    string   `xml:"start,attr"`
	Duration string   `xml:"duration,attr"`
	Value    string   `xml:"value,attr"`
	Note     string   `xml:"note,attr,omitempty"`
}

type fcpxmlClip struct {
	XMLName  xml.Name `xml:"asset-clip"`
	Ref      string   `xml:"ref,attr"`
	Name     string   `xml:"name,attr"`
	Offset   string   `xml:"offset,attr"`
	Start    string   `xml:"start,attr"`
	Duration string   `xml:"duration,attr"`
	Note     string   `xml:"note"`
	Markers  []fcpxmlMarker
}

type fcpxmlGap struct {
	XMLName  xml.Name `xml:"gap"`
	Name     string   `xml:"name,attr"`
	Offset   string   `xml:"offset,attr"`
	Start    string   `xml:"start,attr"`
	Duration string   `xml:"duration,attr"`
	Note     string   `xml:"note"`
	Markers  []fcpxmlMarker
}

// FCPXML writes the board as a Final Cut Pro XML (1.10) project: one clip
// per shot on the spine, of the shot's duration, referring to its render
// file (renders/…, as in the project bundle), or a gap where the shot has
// none, with a marker for each open comment thread.
func FCPXML(w io.Writer, b *Board, m Media, opts shotline.ExportOptions) error {
	fps := opts.FPS
	t := func(frames int) string {
		if frames == 0 {
			return "0s"
		}
		return fmt.Sprintf("%d/%ds", frames, fps)
	}
	var d fcpxmlDoc
	d.Version = "1.10"
	d.Resources.Format.ID = "r0"
	d.Resources.Format.FrameDuration = fmt.Sprintf("1/%ds", fps)
	d.Resources.Format.Width, d.Resources.Format.Height = frameSize(b.AspectRatio, opts.Resolution)
	d.Library.Event.Name = b.Title
	d.Library.Event.Project.Name = b.Title
	seq := &d.Library.Event.Project.Sequence
	seq.Format, seq.TCStart, seq.TCFormat = "r0", "0s", "NDF"
	bounds := frameBoundaries(b.Shots, fps)
	seq.Duration = t(bounds[len(b.Shots)])
	for i, sh := range b.Shots {
		frames := bounds[i+1] - bounds[i]
		var markers []fcpxmlMarker
		for _, c := range openThreads(b, sh.ID) {
			start := 0
			if c.TimeRange != nil {
				start = min(int(c.TimeRange.Start*float64(fps)+0.5), max(frames-1, 0))
			}
			markers = append(markers, fcpxmlMarker{Start: t(start), Duration: t(1), Value: markerName(c.Body), Note: c.Body})
		}
		if r := m[sh.ID].Render; r != nil {
			id := fmt.Sprintf("r%d", i+1)
			a := fcpxmlAsset{ID: id, Name: shotName(sh), Start: "0s", Duration: t(int(r.Duration*float64(fps) + 0.5)), HasVideo: "1", Format: "r0"}
			a.Media.Src, a.Media.Kind = RenderFile(sh, r), "original-media"
			d.Resources.Assets = append(d.Resources.Assets, a)
			seq.Spine.Items = append(seq.Spine.Items, fcpxmlClip{Ref: id, Name: shotName(sh), Offset: t(bounds[i]), Start: "0s",
				Duration: t(frames), Note: sh.Prompt, Markers: markers})
			continue
		}
		seq.Spine.Items = append(seq.Spine.Items, fcpxmlGap{Name: shotName(sh), Offset: t(bounds[i]), Start: "0s",
			Duration: t(frames), Note: sh.Prompt, Markers: markers})
	}
	if _, err := io.WriteString(w, xml.Header+"<!DOCTYPE fcpxml>\n"); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
