package export_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shotline/shotline/backend/export"
	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// TestAnimaticBurnsInCJKTitles encodes a title card with a CJK title burned
// in, and compares its first frame with the same card drawn with no CJK
// font (boxes): they must differ.
func TestAnimaticBurnsInCJKTitles(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed (apt-get install ffmpeg)")
	}
	board := &export.Board{ID: "b", Title: "夜", AspectRatio: "16:9",
		Shots: []export.Shot{{ID: "s1", Number: 1, Title: "夜の街 开场", Duration: 1, AspectRatio: "16:9"}}}
	opts := shotline.ExportOptions{Resolution: "360p", FPS: 24, BurnIn: true}
	frame := func(name string, fonts typeset.Fonts) []byte {
		t.Helper()
		e := &export.Exporter{Fonts: fonts}
		out := filepath.Join(t.TempDir(), name+".mp4")
		if err := e.Animatic(context.Background(), board, export.Media{}, opts, out, func(float64) {}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", out, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
		if err != nil || len(raw) == 0 {
			t.Fatalf("%s: read the first frame: %v", name, err)
		}
		return raw
	}
	got := frame("default", typeset.Fonts{})
	again := frame("again", typeset.Fonts{})
	inBoxes := frame("boxes", typeset.Fonts{Fallback: typeset.DefaultRegularFont})
	if !bytes.Equal(got, again) {
		t.Fatal("two encodes of the same card differ: the comparison below would prove nothing")
	}
	if bytes.Equal(got, inBoxes) {
		t.Error("the CJK title is drawn in a font that lacks its characters (boxes)")
	}
}
