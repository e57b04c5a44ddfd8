// Package typeset chooses fonts for text and lays it out for ffmpeg's
// drawtext, which takes one font file per text and falls back to none:
// a line is cut into runs that each one font draws whole (Latin in the
// regular font, CJK in the fallback), placed side by side. Exports (the
// MP4's burned-in titles, the PDF) and the animatic render provider's
// title cards both use it.
package typeset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Fonts are the TrueType fonts text is drawn with. Regular and Bold
// cover Latin, Greek, Cyrillic and symbols; Fallback, if set, covers what
// they lack (CJK). A character no font has is drawn as a box, never
// dropped silently nor as broken bytes.
type Fonts struct {
	Regular  string // default DejaVu Sans (Debian fonts-dejavu-core)
	Bold     string
	Fallback string // default Droid Sans Fallback (Debian fonts-droid-fallback), if installed
}

// Debian's paths of the default fonts.
const (
	DefaultRegularFont  = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	DefaultBoldFont     = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
	DefaultFallbackFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
)

// RegularPath is the regular font's file.
func (f Fonts) RegularPath() string {
	if f.Regular != "" {
		return f.Regular
	}
	return DefaultRegularFont
}

// BoldPath is the bold font's file.
func (f Fonts) BoldPath() string {
	if f.Bold != "" {
		return f.Bold
	}
	return DefaultBoldFont
}

// FallbackPath is the fallback font's file, "" if there is none.
func (f Fonts) FallbackPath() string {
	if f.Fallback != "" {
		return f.Fallback
	}
	if _, err := os.Stat(DefaultFallbackFont); err == nil {
		return DefaultFallbackFont
	}
	return ""
}

// Coverage answers whether a font has a glyph for a rune.
type Coverage struct {
	font *sfnt.Font
	buf  sfnt.Buffer
}

// LoadCoverage parses a TrueType font's data.
func LoadCoverage(data []byte) (*Coverage, error) {
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	return &Coverage{font: f}, nil
}

// Has reports whether the font has a glyph for r (a nil Coverage has none).
func (c *Coverage) Has(r rune) bool {
	if c == nil {
		return false
	}
	i, err := c.font.GlyphIndex(&c.buf, r)
	return err == nil && i != 0
}

// loadedFonts caches parsed font files by path: ffmpeg's text is checked
// against them once per text, from several segment encoders at a time.
var loadedFonts struct {
	sync.Mutex
	byPath map[string]*sfnt.Font
}

func loadFont(path string) (*sfnt.Font, error) {
	loadedFonts.Lock()
	defer loadedFonts.Unlock()
	if f, ok := loadedFonts.byPath[path]; ok {
		return f, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	if loadedFonts.byPath == nil {
		loadedFonts.byPath = map[string]*sfnt.Font{}
	}
	loadedFonts.byPath[path] = f
	return f, nil
}

// Run is a piece of a line of text that one font draws, placed
// after the runs before it on the line.
type Run struct {
	Text  string
	Font  string // font file
	X     int    // pixels from the line's start
	Width int    // pixels
}

// Line is a line of text cut into runs.
type Line struct {
	Runs   []Run
	Width  int
	Ascent int // pixels above the baseline
	Height int // pixels, ascent + descent
}

// drawtextFaces are the fonts a text is cut between, parsed.
type drawtextFaces struct {
	regular, fallback         string
	regularFont, fallbackFont *sfnt.Font
}

// faces loads the regular and the fallback font (none if not installed).
func (f Fonts) faces() (*drawtextFaces, error) {
	d := &drawtextFaces{regular: f.RegularPath(), fallback: f.FallbackPath()}
	var err error
	if d.regularFont, err = loadFont(d.regular); err != nil {
		return nil, err
	}
	if d.fallback != "" {
		if d.fallbackFont, err = loadFont(d.fallback); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// fontFor returns the font that draws r: the regular font if it has the
// glyph, else the fallback if it has it, else the regular one (its box
// shows the character is missing).
func (d *drawtextFaces) fontFor(buf *sfnt.Buffer, r rune) (string, *sfnt.Font) {
	if i, err := d.regularFont.GlyphIndex(buf, r); err == nil && i != 0 {
		return d.regular, d.regularFont
	}
	if d.fallbackFont != nil {
		if i, err := d.fallbackFont.GlyphIndex(buf, r); err == nil && i != 0 {
			return d.fallback, d.fallbackFont
		}
	}
	return d.regular, d.regularFont
}

// LayOutLine cuts a line of text into runs that each one font draws whole,
// for ffmpeg's drawtext, which takes one font file and falls back to none:
// each character goes to the regular font when it has it, else to the
// fallback (CJK), else to the regular font's box. Spaces stay in the run
// they follow. Widths are the fonts' advances at size pixels.
func (f Fonts) LayOutLine(text string, size int) (Line, error) {
	d, err := f.faces()
	if err != nil {
		return Line{}, err
	}
	return d.layOut(text, size)
}

func (d *drawtextFaces) layOut(text string, size int) (Line, error) {
	var buf sfnt.Buffer
	ppem := fixed.I(size)
	line := Line{}
	for _, fnt := range []*sfnt.Font{d.regularFont, d.fallbackFont} {
		if fnt == nil {
			continue
		}
		m, err := fnt.Metrics(&buf, ppem, font.HintingNone)
		if err != nil {
			return Line{}, err
		}
		line.Ascent = max(line.Ascent, m.Ascent.Ceil())
		line.Height = max(line.Height, m.Ascent.Ceil()+m.Descent.Ceil())
	}
	var run *Run
	var advance fixed.Int26_6
	for _, r := range text {
		path, fnt := d.fontFor(&buf, r)
		if run != nil && (unicode.IsSpace(r) || path == run.Font) {
			run.Text += string(r)
		} else {
			line.Runs = append(line.Runs, Run{Text: string(r), Font: path, X: advance.Round()})
			run = &line.Runs[len(line.Runs)-1]
		}
		i, err := fnt.GlyphIndex(&buf, r)
		if err != nil {
			return Line{}, err
		}
		a, err := fnt.GlyphAdvance(&buf, i, ppem, font.HintingFull)
		if err != nil {
			return Line{}, err
		}
		advance += a
		run.Width = advance.Round() - run.X
	}
	line.Width = advance.Round()
	return line, nil
}

// DrawText returns the drawtext filters that draw a laid-out line at size
// pixels in color with its top-left corner at x, top: one filter per run,
// each in its own font, side by side on one baseline, each run's text in
// a file of dir (name-NN.txt: a file, so that no text is ever read as
// filter syntax). drawtext puts a text's top at y and its baseline at y
// plus the text's own ascent, hence the baseline-minus-ascent y of each run.
func DrawText(dir, name string, l Line, size, x, top int, color string) ([]string, error) {
	var filters []string
	for n, run := range l.Runs {
		if strings.TrimSpace(run.Text) == "" {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%02d.txt", name, n))
		if err := os.WriteFile(path, []byte(run.Text), 0o600); err != nil {
			return nil, err
		}
		filters = append(filters, fmt.Sprintf("drawtext=fontfile=%s:textfile=%s:expansion=none:fontcolor=%s:fontsize=%d:x=%d:y=%d-ascent",
			run.Font, path, color, size, x+run.X, top+l.Ascent))
	}
	return filters, nil
}
