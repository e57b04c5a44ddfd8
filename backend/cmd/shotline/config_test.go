package main

import (
	"runtime/debug"
	"testing"
)

func TestGCPercentDefaultsTo40UnlessGOGCIsSet(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })

	setGCPercent(func(string) string { return "200" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set: GC percent %d, want it left at 100", got)
	}
	setGCPercent(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Fatalf("without GOGC: GC percent %d, want %d", got, defaultGCPercent)
	}
}
