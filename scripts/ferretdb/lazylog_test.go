package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// textLogger returns a text logger at level writing to buf, plain or lazy.
func textLogger(buf *bytes.Buffer, level slog.Level, lazy bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}}
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if lazy {
		h = &lazyHandler{base: h}
	}
	return slog.New(h)
}

// TestLazyHandlerWritesWhatTheTextHandlerWrites: attributes and groups
// added with With and WithGroup, in any order and on derived loggers, come
// out exactly as slog's text handler writes them.
func TestLazyHandlerWritesWhatTheTextHandlerWrites(t *testing.T) {
	use := func(l *slog.Logger) {
		base := l.With("conn", 7)
		base.Info("plain")
		g := base.WithGroup("req").With("op", "insert", "docs", 3)
		g.Info("grouped", "took", "2ms")
		g.WithGroup("").With().Warn("empty group and no attrs")
		base.Info("the parent is unchanged", slog.Group("g", "k", "v"))
		base.Debug("below the level")
	}
	var want, got bytes.Buffer
	use(textLogger(&want, slog.LevelInfo, false))
	use(textLogger(&got, slog.LevelInfo, true))
	if got.String() != want.String() {
		t.Fatalf("lazy handler wrote\n%s\nthe text handler\n%s", got.String(), want.String())
	}
	if strings.Count(got.String(), "\n") != 4 || strings.Contains(got.String(), "below the level") {
		t.Fatalf("unexpected lines:\n%s", got.String())
	}
}

// expensive counts how often it is formatted.
type expensive struct{ formatted *int }

func (e expensive) LogValue() slog.Value {
	*e.formatted++
	return slog.StringValue("document")
}

// TestLazyHandlerFormatsNothingForADisabledLevel is why the handler exists:
// With's attributes are formatted only when a record is written.
func TestLazyHandlerFormatsNothingForADisabledLevel(t *testing.T) {
	var buf bytes.Buffer
	for _, lazy := range []bool{false, true} {
		n := 0
		l := textLogger(&buf, slog.LevelInfo, lazy)
		l.With(slog.Any("args", expensive{&n})).DebugContext(context.Background(), ">>> INSERT")
		if lazy && n != 0 {
			t.Fatalf("lazy handler formatted a disabled record's attributes %d times", n)
		}
		if !lazy && n == 0 {
			t.Fatal("the text handler no longer formats With's attributes eagerly; lazyHandler may be unneeded")
		}
	}
}
