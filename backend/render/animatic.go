package render

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shotline/shotline/backend/shotline"
)

// Animatic is the local provider: ffmpeg turns a shot into an H.264 MP4 of
// its duration and aspect ratio, a slow zoom over its first reference image,
// or a title card with its number, title and prompt when it has none. It
// needs no key and no network.
type Animatic struct {
	FFmpeg string // default "ffmpeg"
	Font   string // a TrueType font; default DejaVu Sans
	Rate   int64  // credits per started second at 720p; default 1
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
		titleFile, promptFile := filepath.Join(dir, "title.txt"), filepath.Join(dir, "prompt.txt")
		if err := os.WriteFile(titleFile, []byte(truncate(title, 60)), 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(promptFile, []byte(wrap(job.Prompt, 56, 8)), 0o600); err != nil {
			return err
		}
		font := a.Font
		if font == "" {
			font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
		}
		vf := fmt.Sprintf("drawtext=fontfile=%s:textfile=%s:expansion=none:fontcolor=white:fontsize=%d:x=(w-text_w)/2:y=h*0.22,"+
			"drawtext=fontfile=%s:textfile=%s:expansion=none:fontcolor=0xd1d5db:fontsize=%d:line_spacing=%d:x=w*0.08:y=h*0.42,format=yuv420p",
			font, titleFile, h/14, font, promptFile, h/26, h/80)
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

func even(f float64) int { return int(f/2+0.5) * 2 }

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// wrap breaks text into at most lines lines of about width characters.
func wrap(text string, width, lines int) string {
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += truncate(word, width)
	}
	if line != "" {
		out = append(out, line)
	}
	if len(out) > lines {
		out = append(out[:lines-1], truncate(out[lines-1], width-1)+"…")
	}
	return strings.Join(out, "\n")
}
