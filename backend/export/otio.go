package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// otio is one OpenTimelineIO object: its schema and its fields.
type otio map[string]any

func rationalTime(frames, fps int) otio {
	return otio{"OTIO_SCHEMA": "RationalTime.1", "value": float64(frames), "rate": float64(fps)}
}

func timeRange(start, frames, fps int) otio {
	return otio{"OTIO_SCHEMA": "TimeRange.1", "start_time": rationalTime(start, fps), "duration": rationalTime(frames, fps)}
}

// OTIO writes the board as an OpenTimelineIO timeline (.otio JSON): one
// video track with a clip per shot, of the shot's duration, referring to
// its render file (renders/…, as in the project bundle) or missing where
// the shot has none, with a marker for each open comment thread.
func OTIO(w io.Writer, b *Board, m Media, fps int) error {
	bounds := frameBoundaries(b.Shots, fps)
	clips := make([]any, 0, len(b.Shots))
	for i, sh := range b.Shots {
		frames := bounds[i+1] - bounds[i]
		var ref otio
		if r := m[sh.ID].Render; r != nil {
			ref = otio{"OTIO_SCHEMA": "ExternalReference.1", "name": "", "target_url": RenderFile(sh, r),
				"available_range": nil, "metadata": otio{}}
		} else {
			ref = otio{"OTIO_SCHEMA": "MissingReference.1", "name": "", "available_range": nil, "metadata": otio{}}
		}
		markers := []any{}
		for _, c := range openThreads(b, sh.ID) {
			start, dur := 0, 1
			if c.TimeRange != nil {
				start = min(int(c.TimeRange.Start*float64(fps)+0.5), max(frames-1, 0))
				dur = max(int((c.TimeRange.End-c.TimeRange.Start)*float64(fps)+0.5), 1)
			}
			markers = append(markers, otio{"OTIO_SCHEMA": "Marker.2", "name": markerName(c.Body), "color": "RED",
				"marked_range": timeRange(start, dur, fps), "comment": c.Body, "metadata": otio{"shotline": otio{"commentId": c.ID, "author": c.Author}}})
		}
		clips = append(clips, otio{"OTIO_SCHEMA": "Clip.2", "name": shotName(sh), "source_range": timeRange(0, frames, fps),
			"media_references": otio{"DEFAULT_MEDIA": ref}, "active_media_reference_key": "DEFAULT_MEDIA",
			"effects": []any{}, "markers": markers, "enabled": true,
			"metadata": otio{"shotline": otio{"shotId": sh.ID, "number": sh.Number, "prompt": sh.Prompt, "notes": sh.Notes,
				"status": sh.Status, "review": sh.Review, "duration": sh.Duration}}})
	}
	track := otio{"OTIO_SCHEMA": "Track.1", "name": "Shots", "kind": "Video", "children": clips, "source_range": nil,
		"effects": []any{}, "markers": []any{}, "enabled": true, "metadata": otio{}}
	tl := otio{"OTIO_SCHEMA": "Timeline.1", "name": b.Title, "global_start_time": rationalTime(0, fps),
		"metadata": otio{"shotline": otio{"boardId": b.ID, "aspectRatio": b.AspectRatio}},
		"tracks": otio{"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": []any{track}, "source_range": nil,
			"effects": []any{}, "markers": []any{}, "enabled": true, "metadata": otio{}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(tl)
}

// shotName is how a shot is named in editing programs: "#3 Title".
func shotName(sh Shot) string {
	if t := strings.TrimSpace(sh.Title); t != "" {
		return fmt.Sprintf("#%d %s", sh.Number, t)
	}
	return fmt.Sprintf("#%d", sh.Number)
}

// markerName is a comment's first line, cut to 60 characters.
func markerName(body string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	if r := []rune(line); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return line
}
