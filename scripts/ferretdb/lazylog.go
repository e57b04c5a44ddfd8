package main

import (
	"context"
	"log/slog"
	"slices"
)

// lazyHandler defers a logger's With attributes and groups until a record
// is written. FerretDB 1.24 calls l.With(args...).DebugContext(...) around
// every SQL statement, and slog's own handlers format With's attributes
// (there: the statement's arguments, whole documents) when With is called,
// whatever the level. That was about a tenth of FerretDB's CPU under a
// realtime load test (docs/benchmarks.md); with this handler a disabled
// debug line costs an append.
type lazyHandler struct {
	base slog.Handler
	ops  []lazyOp // WithAttrs and WithGroup calls since base, in order
}

// lazyOp is one WithAttrs (attrs set) or WithGroup (group set) call.
type lazyOp struct {
	attrs []slog.Attr
	group string
}

func (h *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

func (h *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	b := h.base
	for _, op := range h.ops {
		if op.attrs != nil {
			b = b.WithAttrs(op.attrs)
		} else {
			b = b.WithGroup(op.group)
		}
	}
	return b.Handle(ctx, r)
}

// WithAttrs keeps attrs (slog hands the slice over to the handler).
func (h *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &lazyHandler{base: h.base, ops: append(slices.Clip(h.ops), lazyOp{attrs: attrs})}
}

func (h *lazyHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &lazyHandler{base: h.base, ops: append(slices.Clip(h.ops), lazyOp{group: name})}
}
