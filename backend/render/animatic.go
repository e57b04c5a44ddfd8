package render

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// Animatic is the local provider: ffmpeg turns a shot into an H.264 MP4 of
// its duration and aspect ratio, a slow zoom over its first reference image,
// or a title card with its number, title and prompt when it has none. It
// needs no key and no network.
type Animatic struct {
	FFmpeg string // default "ffmpeg"
	// Fonts draw the title card: the regular one (default DejaVu Sans)
	// and, for what it lacks (CJK), the fallback (default Droid Sans
	// Fallback, if installed), each run of characters in a font that has it.
	Fonts typeset.Fonts
	Rate  int64 // credits per started second at 720p; default 1
}

var _ Provider = (*Animatic)(nil)

// Name implements Provider.
func (a *Animatic) Name() string { return "animatic" }

// Cost implements Provider.
func (a *Animatic) Cost(_ string, seconds float64, resolution string) int64 {
	return perSecond(max(a.Rate, 1), seconds, resolution)
}

const animaticFPS = 25

// Render implements Provider.
func (a *Animatic) Render(ctx context.Context, job *shotline.RenderJob, refs []Reference, dst string, progress func(float64)) error {
	w, h := shotline.Size(job.AspectRatio, job.Resolution)
	dur := job.Duration
	if dur <= 0 {
		dur = shotline.DefaultShotDuration
	}
	frames := int(dur*animaticFPS + 0.5)
	var args []string
	var image *Reference
	for i := range refs {
		if strings.HasPrefix(refs[i].ContentType, "image/") {
			image = &refs[i]
			break
		}
	}
	if image != nil {
		// Cover the frame at 1.25× once, then zoompan makes every frame
		// from that one picture (d=frames), zooming from 1 to 1.15
		// towards the centre.
		zw, zh := even(float64(w)*1.25), even(float64(h)*1.25)
		vf := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d,"+
			"zoompan=z='1+0.15*on/%d':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=%d:s=%dx%d:fps=%d,format=yuv420p",
			zw, zh, zw, zh, frames, frames, w, h, animaticFPS)
		args = []string{"-i", image.URL, "-vf", vf}
	} else {
		dir, err := os.MkdirTemp("", "animatic-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		title := fmt.Sprintf("Shot %d", job.ShotNumber)
		if t := strings.TrimSpace(job.Title); t != "" {
			title += " — " + t
		}
		vf, err := a.titleCard(dir, title, job.Prompt, w, h)
		if err != nil {
			return shotline.Permanent("title card fonts", err)
		}
		args = []string{"-f", "lavfi", "-i", fmt.Sprintf("color=c=0x111827:s=%dx%d:r=%d", w, h, animaticFPS), "-vf", vf}
	}
	args = append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-progress", "pipe:1", "-nostats"}, args...)
	args = append(args, "-frames:v", strconv.Itoa(frames), "-r", strconv.Itoa(animaticFPS), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
		"-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", dst)
	bin := a.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	dieWithParent(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return shotline.Permanent("ffmpeg could not start", err)
	}
	readProgress(out, float64(frames)/animaticFPS, progress)
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := stderr.String()
		if image != nil {
			msg = strings.ReplaceAll(msg, image.URL, "<reference>")
		}
		return shotline.Permanent("ffmpeg could not make the animatic", fmt.Errorf("%w: %s", err, truncate(msg, 500)))
	}
	return nil
}

// readProgress reads ffmpeg's -progress lines and reports out_time over
// the duration.
func readProgress(r io.Reader, seconds float64, progress func(float64)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || k != "out_time_us" {
			continue
		}
		if us, err := strconv.ParseFloat(v, 64); err == nil && progress != nil {
			progress(min(max(us/1e6/seconds, 0), 1))
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// titleCard returns the filters that draw a title card's title (centred)
// and prompt (wrapped, at most eight lines) on a w×h frame, each line cut
// into runs of one font each (typeset), their texts in files of dir.
func (a *Animatic) titleCard(dir, title, prompt string, w, h int) (string, error) {
	titleSize, promptSize, spacing := h/14, h/26, h/80
	l, err := a.Fonts.LayOutLine(truncate(title, 60), titleSize)
	if err != nil {
		return "", err
	}
	filters, err := typeset.DrawText(dir, "title", l, titleSize, max((w-l.Width)/2, 0), h*22/100, "white")
	if err != nil {
		return "", err
	}
	top := h * 42 / 100
	for i, line := range strings.Split(wrap(prompt, 56, 8), "\n") {
		if line == "" {
			continue
		}
		l, err := a.Fonts.LayOutLine(line, promptSize)
		if err != nil {
			return "", err
		}
		f, err := typeset.DrawText(dir, fmt.Sprintf("prompt-%02d", i), l, promptSize, w*8/100, top, "0xd1d5db")
		if err != nil {
			return "", err
		}
		filters = append(filters, f...)
		top += l.Height + spacing
	}
	return strings.Join(append(filters, "format=yuv420p"), ","), nil
}

func even(f float64) int { return int(f/2+0.5) * 2 }

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// wrap breaks text into at most lines lines of about width columns, a
// wide character (CJK) counting two: between words where there are spaces,
// anywhere in a word longer than a line (CJK text has no spaces).
func wrap(text string, width, lines int) string {
	var out []string
	line, cols := "", 0
	flush := func() {
		if line != "" {
			out = append(out, line)
		}
		line, cols = "", 0
	}
	for _, word := range strings.Fields(text) {
		wc := columns(word)
		if line != "" && cols+1+wc > width {
			flush()
		}
		if line != "" {
			line += " "
			cols++
		}
		for _, r := range word {
			rc := columns(string(r))
			if cols+rc > width {
				flush()
			}
			line += string(r)
			cols += rc
		}
	}
	flush()
	if len(out) > lines {
		last := []rune(out[lines-1])
		out = append(out[:lines-1], string(last[:max(len(last)-1, 0)])+"…")
	}
	return strings.Join(out, "\n")
}

// columns is how wide s is in columns: two for a wide (East Asian)
// character, one for any other.
func columns(s string) int {
	n := 0
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r >= 0xFF01 && r <= 0xFF60 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
