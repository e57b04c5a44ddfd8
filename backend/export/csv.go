package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// ShotListHeader is the shot list's first row.
var ShotListHeader = []string{"Number", "Shot ID", "Title", "Duration (s)", "Start (s)", "Aspect ratio", "Status", "Review",
	"Prompt", "Notes", "Provider", "Model", "Settings", "References", "Render ID", "Render file", "Open comments"}

// ShotList writes the board's shot list: UTF-8 with a byte order mark (so
// spreadsheet apps read it as UTF-8), one row per shot, every field, and
// text that a spreadsheet would take for a formula neutralized.
func ShotList(w io.Writer, b *Board, m Media) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ShotListHeader); err != nil {
		return err
	}
	start := 0.0
	for _, sh := range b.Shots {
		md := m[sh.ID]
		names := make([]string, len(md.References))
		for i, a := range md.References {
			names[i] = a.Name
		}
		renderID, renderFile := "", ""
		if md.Render != nil {
			renderID, renderFile = md.Render.ID, RenderFile(sh, md.Render)
		}
		settings := string(sh.Settings)
		if settings == "" {
			settings = "{}"
		}
		row := []string{strconv.Itoa(sh.Number), cell(sh.ID), cell(sh.Title), seconds(sh.Duration), seconds(start),
			cell(sh.AspectRatio), statusLabel(sh.Status), reviewLabel(sh.Review), cell(sh.Prompt), cell(sh.Notes), cell(sh.Provider), cell(sh.Model),
			cell(settings), cell(strings.Join(names, "; ")), cell(renderID), cell(renderFile), strconv.Itoa(len(openThreads(b, sh.ID)))}
		if err := cw.Write(row); err != nil {
			return err
		}
		start += sh.Duration
	}
	cw.Flush()
	return cw.Error()
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }

// cell neutralizes a text that starts like a spreadsheet formula (=, +, -,
// @, tab or carriage return) with a leading apostrophe, which spreadsheet
// apps show as text (OWASP's advice for CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Unneutralize undoes cell for a field read back (tests and imports).
func Unneutralize(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}
