package export

import (
	"os"

	"golang.org/x/image/font/sfnt"
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
