package export

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/backend/typeset"
)

// Storyboard writes the board's PDF storyboard: a grid of frames (the
// shot's chosen frame, else the poster of its latest render, else its first
// reference image), each
// with its number, title, duration, review status, prompt and notes;
// the board's name, the date and page numbers on every page.
func (e *Exporter) Storyboard(ctx context.Context, b *Board, m Media, opts shotline.ExportOptions, dst string, progress func(float64)) error {
	dir, err := os.MkdirTemp("", "storyboard-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	frames := e.frames(ctx, dir, b, m, func(p float64) { progress(0.8 * p) })
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := newPDFDoc(e.Fonts, opts)
	if err != nil {
		return shotline.Permanent("The storyboard's fonts could not be loaded.", err)
	}
	doc.layout(b, frames, opts, e.now())
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := doc.pdf.Output(f); err != nil {
		f.Close()
		return shotline.Permanent("The storyboard could not be written.", err)
	}
	progress(1)
	return f.Close()
}

// frames extracts a JPEG frame per shot into dir (by shot id; missing when
// the shot has nothing to show or its file could not be read): from the
// middle of its latest render, or its first reference image. ffmpeg reads
// the objects through presigned URLs, so a render is never copied whole.
func (e *Exporter) frames(ctx context.Context, dir string, b *Board, m Media, progress func(float64)) map[string]string {
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(runtime.NumCPU(), 1))
	done := 0
	for i, sh := range b.Shots {
		md := m[sh.ID]
		var key string
		var at float64
		if f := md.Frame; f != nil && f.Kind == shotline.AssetImage {
			key = f.ObjectKey
		} else if f != nil && f.ThumbKey != "" {
			key = f.ThumbKey // a clip's poster frame
		} else if md.Render != nil {
			key, at = md.Render.ResultKey, min(md.Render.Duration/2, 1)
		} else if img := firstReference(md.References, shotline.AssetImage); img != nil {
			key = img.ObjectKey
		} else {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			path := filepath.Join(dir, fmt.Sprintf("frame-%04d.jpg", i))
			err := e.frame(ctx, key, at, path)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				e.logger().Warn("storyboard frame", "board_id", b.ID, "shot_id", sh.ID, "err", err)
			} else {
				out[sh.ID] = path
			}
			done++
			progress(float64(done) / float64(len(b.Shots)))
		}()
	}
	wg.Wait()
	return out
}

func (e *Exporter) frame(ctx context.Context, key string, at float64, path string) error {
	url, err := e.Objects.PresignGet(ctx, key, 10*time.Minute, "")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error"}
	if at > 0 {
		args = append(args, "-ss", fmt.Sprintf("%.3f", at))
	}
	args = append(args, "-i", url, "-frames:v", "1", "-vf", "scale='min(960,iw)':-2", "-q:v", "4", "-f", "image2", "-y", path)
	if out, err := exec.CommandContext(ctx, e.ffmpeg(), args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// pdfDoc lays a storyboard out with fpdf, choosing a font per character:
// the regular font where it has the glyph, else the fallback (CJK), else a
// box.
type pdfDoc struct {
	pdf       *fpdf.Fpdf
	reg, fall *typeset.Coverage
	hasFall   bool
	widths    map[runeFont]float64
}

type runeFont struct {
	r    rune
	font string
	size float64
}

const (
	fontRegular  = "regular"
	fontBold     = "bold"
	fontFallback = "fallback"
	missingGlyph = '\u25A1' // □, which DejaVu Sans has
)

func newPDFDoc(fonts typeset.Fonts, opts shotline.ExportOptions) (*pdfDoc, error) {
	orient := "L"
	if opts.Orientation == "portrait" {
		orient = "P"
	}
	p := fpdf.New(orient, "mm", opts.Paper, "")
	d := &pdfDoc{pdf: p, widths: map[runeFont]float64{}}
	reg, err := os.ReadFile(fonts.RegularPath())
	if err != nil {
		return nil, err
	}
	bold, err := os.ReadFile(fonts.BoldPath())
	if err != nil {
		return nil, err
	}
	if d.reg, err = typeset.LoadCoverage(reg); err != nil {
		return nil, err
	}
	p.AddUTF8FontFromBytes(fontRegular, "", reg)
	p.AddUTF8FontFromBytes(fontBold, "", bold)
	if path := fonts.FallbackPath(); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if d.fall, err = typeset.LoadCoverage(data); err != nil {
			return nil, err
		}
		p.AddUTF8FontFromBytes(fontFallback, "", data)
		d.hasFall = true
	}
	return d, p.Error()
}

// span is a run of text in one font.
type span struct {
	font string
	text string
	w    float64
}

// fontFor picks the font that draws r, and the rune to draw (a box when no
// font has r).
func (d *pdfDoc) fontFor(r rune, base string) (string, rune) {
	switch {
	case d.reg.Has(r):
		return base, r
	case d.hasFall && d.fall.Has(r):
		return fontFallback, r
	}
	return fontRegular, missingGlyph
}

func (d *pdfDoc) width(r rune, font string, size float64) float64 {
	k := runeFont{r, font, size}
	if w, ok := d.widths[k]; ok {
		return w
	}
	d.pdf.SetFont(font, "", size)
	w := d.pdf.GetStringWidth(string(r))
	d.widths[k] = w
	return w
}

// wrap breaks text into lines no wider than width (mm) at size (pt), at
// spaces and between ideographs (a word longer than a line is cut), and
// keeps at most maxLines, ending a cut text with "…".
func (d *pdfDoc) wrap(text, base string, size, width float64, maxLines int) [][]span {
	type glyph struct {
		r    rune
		font string
		w    float64
	}
	var lines [][]glyph
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		var line []glyph
		lineW, lastBreak := 0.0, -1
		for _, r := range para {
			if r == '\t' {
				r = ' '
			}
			if unicode.IsControl(r) {
				continue
			}
			font, dr := d.fontFor(r, base)
			g := glyph{dr, font, d.width(dr, font, size)}
			if lineW+g.w > width && len(line) > 0 {
				if r == ' ' {
					lines = append(lines, line)
					line, lineW, lastBreak = nil, 0, -1
					continue
				}
				cut := len(line)
				if lastBreak >= 0 {
					cut = lastBreak
				}
				lines = append(lines, trimSpaces(line[:cut], func(g glyph) bool { return g.r == ' ' }))
				rest := append([]glyph(nil), line[cut:]...)
				rest = trimLeading(rest, func(g glyph) bool { return g.r == ' ' })
				line, lineW, lastBreak = rest, 0, -1
				for _, g := range rest {
					lineW += g.w
				}
			}
			line = append(line, g)
			lineW += g.w
			if r == ' ' || font == fontFallback {
				lastBreak = len(line)
			}
		}
		lines = append(lines, line)
	}
	cut := false
	if len(lines) > maxLines {
		lines, cut = lines[:maxLines], true
	}
	out := make([][]span, len(lines))
	for i, line := range lines {
		if cut && i == len(lines)-1 {
			ell := glyph{'…', base, d.width('…', base, size)}
			w := ell.w
			for _, g := range line {
				w += g.w
			}
			for len(line) > 0 && w > width {
				w -= line[len(line)-1].w
				line = line[:len(line)-1]
			}
			line = append(line, ell)
		}
		for _, g := range line {
			if n := len(out[i]); n > 0 && out[i][n-1].font == g.font {
				out[i][n-1].text += string(g.r)
				out[i][n-1].w += g.w
			} else {
				out[i] = append(out[i], span{g.font, string(g.r), g.w})
			}
		}
	}
	return out
}

func trimSpaces[T any](s []T, space func(T) bool) []T {
	for len(s) > 0 && space(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func trimLeading[T any](s []T, space func(T) bool) []T {
	for len(s) > 0 && space(s[0]) {
		s = s[1:]
	}
	return s
}

// text draws wrapped lines from (x, y), y being the top of the first line,
// and returns the y below the last.
func (d *pdfDoc) text(lines [][]span, x, y, size float64) float64 {
	lh := size * 0.3528 * 1.3
	for _, line := range lines {
		cx := x
		for _, s := range line {
			d.pdf.SetFont(s.font, "", size)
			d.pdf.Text(cx, y+size*0.3528, s.text)
			cx += s.w
		}
		y += lh
	}
	return y
}

// layout puts the shots on pages in a grid of opts.PerRow columns.
func (d *pdfDoc) layout(b *Board, frames map[string]string, opts shotline.ExportOptions, now time.Time) {
	p := d.pdf
	const margin, gap = 12.0, 6.0
	pw, ph := p.GetPageSize()
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, margin)
	p.SetTitle(b.Title, true)
	p.SetCreationDate(now)
	p.AliasNbPages("{nb}")
	header := b.Title
	date := now.Format("2 January 2006")
	p.SetHeaderFunc(func() {
		p.SetTextColor(20, 20, 20)
		d.text(d.wrap(header, fontBold, 13, pw-2*margin-50, 1), margin, margin, 13)
		p.SetTextColor(90, 90, 90)
		p.SetFont(fontRegular, "", 9)
		p.Text(pw-margin-p.GetStringWidth(date), margin+13*0.3528, date)
	})
	p.SetFooterFunc(func() {
		p.SetTextColor(90, 90, 90)
		p.SetFont(fontRegular, "", 8)
		label := fmt.Sprintf("Page %d of {nb}", p.PageNo())
		p.Text(pw-margin-p.GetStringWidth(fmt.Sprintf("Page %d of %d", p.PageNo(), 100)), ph-margin/2, label)
		p.Text(margin, ph-margin/2, fmt.Sprintf("%d shots · %s", len(b.Shots), formatSeconds(TimelineDuration(b.Shots))))
	})

	cols := opts.PerRow
	size := map[int]float64{1: 10, 2: 8.5, 3: 7.5, 4: 6.5}[cols]
	lh := size * 0.3528 * 1.3
	const promptLines, notesLines = 6, 3
	textH := lh*(2+promptLines+notesLines) + 3
	top := margin + 10
	availH := ph - top - margin - 4
	cellW := (pw - 2*margin - float64(cols-1)*gap) / float64(cols)
	aspect := aspectOf(b.AspectRatio)
	frameH := min(cellW/aspect, availH-textH)
	frameW := frameH * aspect
	cellH := frameH + textH + gap
	rows := max(int((availH+gap)/cellH), 1)

	if len(b.Shots) == 0 {
		p.AddPage()
		d.text(d.wrap("This board has no shots.", fontRegular, 11, pw-2*margin, 1), margin, top, 11)
		return
	}
	for i, sh := range b.Shots {
		slot := i % (rows * cols)
		if slot == 0 {
			p.AddPage()
		}
		x := margin + float64(slot%cols)*(cellW+gap)
		y := top + float64(slot/cols)*cellH
		if path, ok := frames[sh.ID]; ok {
			p.SetFillColor(0, 0, 0)
			p.Rect(x, y, frameW, frameH, "F")
			d.image(path, x, y, frameW, frameH)
		} else {
			p.SetFillColor(225, 228, 234)
			p.Rect(x, y, frameW, frameH, "F")
			p.SetTextColor(110, 110, 110)
			p.SetFont(fontRegular, "", size)
			label := "No frame"
			p.Text(x+(frameW-p.GetStringWidth(label))/2, y+frameH/2, label)
		}
		ty := y + frameH + 2
		p.SetTextColor(20, 20, 20)
		ty = d.text(d.wrap(shotName(sh), fontBold, size+1, cellW, 1), x, ty, size+1)
		p.SetTextColor(90, 90, 90)
		ty = d.text(d.wrap(formatSeconds(sh.Duration)+" · "+statusLabel(sh.Status)+" · Review: "+reviewLabel(sh.Review), fontRegular, size, cellW, 1), x, ty, size)
		p.SetTextColor(30, 30, 30)
		ty = d.text(d.wrap(sh.Prompt, fontRegular, size, cellW, promptLines), x, ty, size)
		if strings.TrimSpace(sh.Notes) != "" {
			p.SetTextColor(100, 70, 20)
			d.text(d.wrap("Notes: "+sh.Notes, fontRegular, size, cellW, notesLines), x, ty, size)
		}
	}
}

// image draws a JPEG fitted (not stretched) in the box.
func (d *pdfDoc) image(path string, x, y, w, h float64) {
	p := d.pdf
	info := p.RegisterImageOptions(path, fpdf.ImageOptions{ImageType: "JPG"})
	if info == nil || p.Err() {
		p.ClearError()
		return
	}
	iw, ih := info.Width(), info.Height()
	scale := math.Min(w/iw, h/ih)
	dw, dh := iw*scale, ih*scale
	p.ImageOptions(path, x+(w-dw)/2, y+(h-dh)/2, dw, dh, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
}

func aspectOf(ratio string) float64 {
	w, h := shotline.Size(ratio, "720p")
	return float64(w) / float64(h)
}

// formatSeconds writes a duration as "3 s" or "1 min 4.5 s".
func formatSeconds(s float64) string {
	if s < 60 {
		return fmt.Sprintf("%g s", math.Round(s*100)/100)
	}
	m := int(s) / 60
	return fmt.Sprintf("%d min %g s", m, math.Round((s-float64(m*60))*100)/100)
}
