package typeset_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/font/sfnt"

	"github.com/shotline/shotline/backend/typeset"
)

// lacks counts the drawn characters of text that the font file at path has
// no glyph for, read independently of the code under test.
func lacks(t *testing.T, path, text string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range text {
		if r == ' ' || r == '\n' {
			continue
		}
		if i, err := f.GlyphIndex(nil, r); err != nil || i == 0 {
			n++
		}
	}
	return n
}

func TestLayOutLineDrawsEachCharacterInAFontThatHasIt(t *testing.T) {
	const regular, fallback = typeset.DefaultRegularFont, typeset.DefaultFallbackFont
	type run struct{ text, font string }
	for _, tc := range []struct {
		name, text string
		want       []run
	}{
		{"latin", "#1 Opening shot", []run{{"#1 Opening shot", regular}}},
		{"accents and cyrillic", "#2 Café — Москва", []run{{"#2 Café — Москва", regular}}},
		{"japanese after the shot number", "#3 夜の街", []run{{"#3 ", regular}, {"夜の街", fallback}}},
		{"mixed", "开场 at night 雨", []run{{"开场 ", fallback}, {"at night ", regular}, {"雨", fallback}}},
		// Neither font has Hangul: the regular font's boxes show it.
		{"no font has it", "#5 서울", []run{{"#5 서울", regular}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := typeset.Fonts{}.LayOutLine(tc.text, 20)
			if err != nil {
				t.Fatal(err)
			}
			var got []run
			x := 0
			for _, r := range l.Runs {
				got = append(got, run{r.Text, r.Font})
				if r.X != x || r.Width <= 0 {
					t.Errorf("run %q at %d, width %d; want at %d, wider than 0", r.Text, r.X, r.Width, x)
				}
				x += r.Width
				if r.Font == fallback && lacks(t, r.Font, r.Text) != 0 {
					t.Errorf("run %q is drawn in %s, which lacks some of it", r.Text, r.Font)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("runs = %q, want %q", got, tc.want)
			}
			if l.Width != x || l.Ascent <= 0 || l.Height <= l.Ascent {
				t.Errorf("line width %d (runs %d), ascent %d, height %d", l.Width, x, l.Ascent, l.Height)
			}
		})
	}
	// The test's premise: the regular font lacks CJK, the fallback has it
	// and lacks Latin, so one font per text cannot draw "#3 夜の街".
	if lacks(t, regular, "夜の街开场雨") == 0 || lacks(t, fallback, "夜の街开场雨") != 0 || lacks(t, fallback, "#3") == 0 {
		t.Fatal("the fonts' coverage is not what this test assumes")
	}
}

func TestLayOutLineFailsWithoutItsFont(t *testing.T) {
	if _, err := (typeset.Fonts{Regular: filepath.Join(t.TempDir(), "missing.ttf")}).LayOutLine("x", 20); err == nil {
		t.Error("LayOutLine with a missing font file: no error")
	}
}

