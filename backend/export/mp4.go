package export

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// frameSize is the pixel size of the export at a resolution ("360p",
// "720p", "1080p": the short side) and the board's aspect ratio, both even.
func frameSize(aspectRatio, resolution string) (w, h int) {
	if resolution != "360p" {
		return shotline.Size(aspectRatio, resolution)
	}
	w, h = shotline.Size(aspectRatio, "720p")
	return w / 4 * 2, h / 4 * 2
}

// Animatic writes the board's animatic: each shot's latest successful
// render, or else its first reference clip or image, or else a title card
// with its prompt, scaled and padded (never stretched) to one size and
// frame rate, held on its last frame or cut to the shot's duration, and
// joined. Its frame count is the timeline's duration at the frame rate.
func (e *Exporter) Animatic(ctx context.Context, b *Board, m Media, opts shotline.ExportOptions, dst string, progress func(float64)) error {
	if len(b.Shots) == 0 {
		return shotline.Permanent("The board has no shots to put in an animatic.", nil)
	}
	dir, err := os.MkdirTemp("", "animatic-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	w, h := frameSize(b.AspectRatio, opts.Resolution)
	bounds := frameBoundaries(b.Shots, opts.FPS)
	segs := make([]string, len(b.Shots))
	errs := make([]error, len(b.Shots))

	// Segments are encoded alike (codec, size, rate, time base), so the
	// concat demuxer joins them without re-encoding. x264's superfast
	// preset: about 30% less CPU than veryfast for a larger file, which an
	// animatic can afford (docs/benchmarks.md).
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, max(runtime.NumCPU(), 1))
	var wg sync.WaitGroup
	for i, sh := range b.Shots {
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			segs[i] = filepath.Join(dir, fmt.Sprintf("seg-%04d.mp4", i))
			errs[i] = e.segment(ctx, dir, i, sh, m[sh.ID], opts, w, h, bounds[i+1]-bounds[i], segs[i])
			mu.Lock()
			done++
			progress(0.95 * float64(done) / float64(len(b.Shots)))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("shot %d: %w", i+1, err)
		}
	}
	var list strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&list, "file '%s'\n", s)
	}
	listFile := filepath.Join(dir, "segments.txt")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o600); err != nil {
		return err
	}
	if err := e.run(ctx, "-f", "concat", "-safe", "0", "-i", listFile, "-c", "copy", "-movflags", "+faststart", "-y", dst); err != nil {
		return fmt.Errorf("join the animatic: %w", err)
	}
	progress(1)
	return nil
}

// segment encodes one shot of frames frames at out.
func (e *Exporter) segment(ctx context.Context, dir string, i int, sh Shot, md ShotMedia, opts shotline.ExportOptions, w, h, frames int, out string) error {
	fps := opts.FPS
	var input []string
	var overlays []string
	cleanup := ""
	switch clip, image := firstReference(md.References, shotline.AssetClip), firstReference(md.References, shotline.AssetImage); {
	case md.Render != nil || clip != nil:
		key := ""
		if md.Render != nil {
			key = md.Render.ResultKey
		} else {
			key = clip.ObjectKey
		}
		path, err := e.download(ctx, key, dir, fmt.Sprintf("src-%04d", i))
		if err != nil {
			return shotline.Transient("A render could not be read.", err)
		}
		cleanup = path
		input = []string{"-i", path}
	case image != nil:
		path, err := e.download(ctx, image.ObjectKey, dir, fmt.Sprintf("src-%04d", i))
		if err != nil {
			return shotline.Transient("A reference image could not be read.", err)
		}
		cleanup = path
		input = []string{"-loop", "1", "-framerate", fmt.Sprint(fps), "-i", path}
	default:
		// A title card, as the animatic provider makes: the title and the
		// prompt on a dark background.
		input = []string{"-f", "lavfi", "-i", fmt.Sprintf("color=c=0x1d2330:s=%dx%d:r=%d", w, h, fps)}
		card := wrapText(strings.TrimSpace(sh.Title), 32) + "\n\n" + wrapText(strings.TrimSpace(sh.Prompt), 48)
		size := h / 22
		lines := strings.Split(cutLines(card, 10), "\n")
		laid := make([]typeset.Line, len(lines))
		block := 0
		for n, text := range lines {
			l, err := e.Fonts.LayOutLine(text, size)
			if err != nil {
				return shotline.Permanent("The animatic's fonts could not be loaded.", err)
			}
			laid[n] = l
			block += l.Height + cardLineSpacing
		}
		top := (h - block + cardLineSpacing) / 2
		for n, l := range laid {
			f, err := typeset.DrawText(dir, fmt.Sprintf("card-%04d-%02d", i, n), l, size, (w-l.Width)/2, top, "white")
			if err != nil {
				return err
			}
			overlays = append(overlays, f...)
			top += l.Height + cardLineSpacing
		}
	}
	if cleanup != "" {
		defer os.Remove(cleanup)
	}
	if opts.BurnIn {
		size := h / 18
		l, err := e.Fonts.LayOutLine(shotName(sh), size)
		if err != nil {
			return shotline.Permanent("The animatic's fonts could not be loaded.", err)
		}
		x, top := h/30, h-h/30-l.Height
		overlays = append(overlays, fmt.Sprintf("drawbox=x=%d:y=%d:w=%d:h=%d:color=black@0.55:t=fill",
			x-burnInBorder, top-burnInBorder, l.Width+2*burnInBorder, l.Height+2*burnInBorder))
		f, err := typeset.DrawText(dir, fmt.Sprintf("burn-%04d", i), l, size, x, top, "white")
		if err != nil {
			return err
		}
		overlays = append(overlays, f...)
	}
	filter := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=%d,tpad=stop_mode=clone:stop_duration=%d",
		w, h, w, h, fps, int(shotline.MaxShotDuration)+1)
	for _, o := range overlays {
		filter += "," + o
	}
	filter += ",format=yuv420p"
	args := append(input, "-vf", filter, "-frames:v", fmt.Sprint(frames), "-an", "-c:v", "libx264", "-preset", "superfast", "-crf", "23",
		"-threads", "1", "-g", fmt.Sprint(fps*2), "-video_track_timescale", fmt.Sprint(fps*1000), "-y", out)
	if err := e.run(ctx, args...); err != nil {
		return shotline.Permanent(fmt.Sprintf("Shot %d could not be encoded.", sh.Number), err)
	}
	return nil
}

func firstReference(refs []*shotline.Asset, kind shotline.AssetKind) *shotline.Asset {
	for _, a := range refs {
		if a.Kind == kind {
			return a
		}
	}
	return nil
}

// Spacing of the title card's lines and border of the burned-in title's
// box, in pixels.
const (
	cardLineSpacing = 6
	burnInBorder    = 8
)

// run runs ffmpeg quietly and returns its last lines of error output.
func (e *Exporter) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, e.ffmpeg(), append([]string{"-hide_banner", "-nostdin", "-loglevel", "error"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(msg))
	}
	return nil
}

// wrapText breaks text into lines of at most width characters at spaces
// (a longer word is cut).
func wrapText(text string, width int) string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := []rune{}
		for _, word := range strings.Fields(para) {
			wr := []rune(word)
			for len(wr) > width {
				if len(line) > 0 {
					lines = append(lines, string(line))
					line = line[:0]
				}
				lines = append(lines, string(wr[:width]))
				wr = wr[width:]
			}
			if len(line) > 0 && len(line)+1+len(wr) > width {
				lines = append(lines, string(line))
				line = line[:0]
			}
			if len(line) > 0 {
				line = append(line, ' ')
			}
			line = append(line, wr...)
		}
		lines = append(lines, string(line))
	}
	return strings.Join(lines, "\n")
}

// cutLines keeps the first n lines of text, marking a cut with "…".
func cutLines(text string, n int) string {
	lines := strings.Split(text, "\n")
	if len(lines) <= n {
		return text
	}
	return strings.Join(lines[:n], "\n") + "…"
}
