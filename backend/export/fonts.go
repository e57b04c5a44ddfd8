package export

import (
	"fmt"
	"os"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Fonts are the TrueType fonts exports draw text with. Regular and Bold
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

func (f Fonts) regular() string {
	if f.Regular != "" {
		return f.Regular
	}
	return DefaultRegularFont
}

func (f Fonts) bold() string {
	if f.Bold != "" {
		return f.Bold
	}
	return DefaultBoldFont
}

func (f Fonts) fallback() string {
	if f.Fallback != "" {
		return f.Fallback
	}
	if _, err := os.Stat(DefaultFallbackFont); err == nil {
		return DefaultFallbackFont
	}
	return ""
}

// coverage answers whether a font has a glyph for a rune.
type coverage struct {
	font *sfnt.Font
	buf  sfnt.Buffer
}

func loadCoverage(data []byte) (*coverage, error) {
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	return &coverage{font: f}, nil
}

func (c *coverage) has(r rune) bool {
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

// textRun is a piece of a line of text that one font draws, placed
// after the runs before it on the line.
type textRun struct {
	Text  string
	Font  string // font file
	X     int    // pixels from the line's start
	Width int    // pixels
}

// textLine is a line of text cut into runs.
type textLine struct {
	Runs   []textRun
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
	d := &drawtextFaces{regular: f.regular(), fallback: f.fallback()}
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
func (f Fonts) LayOutLine(text string, size int) (textLine, error) {
	d, err := f.faces()
	if err != nil {
		return textLine{}, err
	}
	return d.layOut(text, size)
}

func (d *drawtextFaces) layOut(text string, size int) (textLine, error) {
	var buf sfnt.Buffer
	ppem := fixed.I(size)
	line := textLine{}
	for _, fnt := range []*sfnt.Font{d.regularFont, d.fallbackFont} {
		if fnt == nil {
			continue
		}
		m, err := fnt.Metrics(&buf, ppem, font.HintingNone)
		if err != nil {
			return textLine{}, err
		}
		line.Ascent = max(line.Ascent, m.Ascent.Ceil())
		line.Height = max(line.Height, m.Ascent.Ceil()+m.Descent.Ceil())
	}
	var run *textRun
	var advance fixed.Int26_6
	for _, r := range text {
		path, fnt := d.fontFor(&buf, r)
		if run != nil && (unicode.IsSpace(r) || path == run.Font) {
			run.Text += string(r)
		} else {
			line.Runs = append(line.Runs, textRun{Text: string(r), Font: path, X: advance.Round()})
			run = &line.Runs[len(line.Runs)-1]
		}
		i, err := fnt.GlyphIndex(&buf, r)
		if err != nil {
			return textLine{}, err
		}
		a, err := fnt.GlyphAdvance(&buf, i, ppem, font.HintingFull)
		if err != nil {
			return textLine{}, err
		}
		advance += a
		run.Width = advance.Round() - run.X
	}
	line.Width = advance.Round()
	return line, nil
}
