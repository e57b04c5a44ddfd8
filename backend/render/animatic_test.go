package render

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// probe is what ffprobe says about a video file.
type probe struct {
	Codec         string
	Width, Height int
	Duration      float64
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,width,height:format=duration,format_name", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var v struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
		Format struct {
			Duration   string `json:"duration"`
			FormatName string `json:"format_name"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	d, _ := strconv.ParseFloat(v.Format.Duration, 64)
	return probe{Codec: v.Streams[0].CodecName, Width: v.Streams[0].Width, Height: v.Streams[0].Height, Duration: d}
}

func servePNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ref.png"
}

func TestAnimaticMakesAnMP4OfTheShotsDurationAndAspect(t *testing.T) {
	cases := []struct {
		name       string
		aspect     string
		duration   float64
		withImage  bool
		wantW, wtH int
	}{
		{"title card 16:9", "16:9", 5, false, 1280, 720},
		{"zoom over an image 16:9", "16:9", 5, true, 1280, 720},
		{"title card 9:16", "9:16", 2.5, false, 720, 1280},
		{"zoom over an image 1:1", "1:1", 1.5, true, 720, 720},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var refs []Reference
			if tc.withImage {
				refs = []Reference{{URL: servePNG(t, 800, 600), ContentType: "image/png"}}
			}
			job := &shotline.RenderJob{ShotNumber: 3, Title: "Rain on the window", Prompt: "Slow push-in on a rain-streaked window at night, neon reflections, 35mm",
				Duration: tc.duration, AspectRatio: tc.aspect, Resolution: "720p"}
			dst := filepath.Join(t.TempDir(), "out.mp4")
			var last float64
			a := &Animatic{}
			if err := a.Render(context.Background(), job, refs, dst, func(p float64) { last = p }); err != nil {
				t.Fatal(err)
			}
			p := ffprobe(t, dst)
			if p.Codec != "h264" || p.Width != tc.wantW || p.Height != tc.wtH {
				t.Errorf("video is %s %dx%d, want h264 %dx%d", p.Codec, p.Width, p.Height, tc.wantW, tc.wtH)
			}
			if math.Abs(p.Duration-tc.duration) > 0.1 {
				t.Errorf("duration %.3fs, want %.1fs", p.Duration, tc.duration)
			}
			if last < 0.9 {
				t.Errorf("last progress %.2f, want about 1", last)
			}
		})
	}
}

func TestAnimaticReportsAnUnreadableReferenceAsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("not an image")) }))
	defer srv.Close()
	job := &shotline.RenderJob{Duration: 1, AspectRatio: "16:9", Resolution: "720p"}
	err := (&Animatic{}).Render(context.Background(), job, []Reference{{URL: srv.URL + "/x?X-Amz-Signature=secret", ContentType: "image/png"}},
		filepath.Join(t.TempDir(), "out.mp4"), nil)
	if shotline.KindOf(err) != shotline.ErrPermanent {
		t.Fatalf("error %v, want a permanent one", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("secret")) {
		t.Errorf("the error shows the presigned URL: %v", err)
	}
}

func BenchmarkAnimatic5s720p(b *testing.B) {
	url := servePNGB(b)
	job := &shotline.RenderJob{ShotNumber: 1, Title: "T", Prompt: "p", Duration: 5, AspectRatio: "16:9", Resolution: "720p"}
	for b.Loop() {
		dst := filepath.Join(b.TempDir(), "out.mp4")
		if err := (&Animatic{}).Render(context.Background(), job, []Reference{{URL: url, ContentType: "image/png"}}, dst, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func servePNGB(b *testing.B) string {
	img := image.NewRGBA(image.Rect(0, 0, 1600, 900))
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(buf.Bytes()) }))
	b.Cleanup(srv.Close)
	return srv.URL + "/ref.png"
}

// TestAnimaticTitleCardsDrawCJK renders a title card whose title and
// prompt are Japanese and Chinese after Latin, and compares its first
// frame with the same card drawn with no CJK font (boxes): they must
// differ, and two renders of the same card must not.
func TestAnimaticTitleCardsDrawCJK(t *testing.T) {
	job := &shotline.RenderJob{ShotNumber: 3, Title: "夜の街", Prompt: "Night street 雨の夜、ネオンが濡れた路面に映る。慢慢推近。",
		Duration: 0.4, AspectRatio: "16:9", Resolution: "720p"}
	frame := func(name string, fonts typeset.Fonts) []byte {
		t.Helper()
		dst := filepath.Join(t.TempDir(), name+".mp4")
		if err := (&Animatic{Fonts: fonts}).Render(context.Background(), job, nil, dst, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", dst, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
		if err != nil || len(raw) == 0 {
			t.Fatalf("%s: read the first frame: %v", name, err)
		}
		return raw
	}
	got, again := frame("default", typeset.Fonts{}), frame("again", typeset.Fonts{})
	inBoxes := frame("boxes", typeset.Fonts{Fallback: typeset.DefaultRegularFont})
	if !bytes.Equal(got, again) {
		t.Fatal("two renders of the same card differ: the comparison below would prove nothing")
	}
	if bytes.Equal(got, inBoxes) {
		t.Error("the CJK title card is drawn in a font that lacks its characters (boxes)")
	}
	if err := (&Animatic{Fonts: typeset.Fonts{Regular: filepath.Join(t.TempDir(), "missing.ttf")}}).Render(context.Background(), job, nil,
		filepath.Join(t.TempDir(), "x.mp4"), nil); shotline.KindOf(err) != shotline.ErrPermanent {
		t.Errorf("a missing font file: %v, want a permanent error", err)
	}
}

// TestWrapCountsWideCharactersTwice: CJK text, which has no spaces, wraps
// by columns (a wide character is two), and Latin between words.
func TestWrapCountsWideCharactersTwice(t *testing.T) {
	for _, tc := range []struct {
		text  string
		width int
		lines int
		want  string
	}{
		{"a slow push in on a window", 10, 8, "a slow\npush in on\na window"},
		{"雨の夜ネオンが映る", 6, 8, "雨の夜\nネオン\nが映る"},
		{"rain 雨の夜", 8, 8, "rain\n雨の夜"},          // a break between words comes first
		{"one two three four", 3, 2, "one\ntw…"}, // cut: the ellipsis takes the last column
	} {
		if got := wrap(tc.text, tc.width, tc.lines); got != tc.want {
			t.Errorf("wrap(%q, %d, %d) = %q, want %q", tc.text, tc.width, tc.lines, got, tc.want)
		}
	}
}
