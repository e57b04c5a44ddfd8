package main

import (
	"runtime/debug"
	"strings"
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

func TestStaticDirDefaultsOnlyWhenUnset(t *testing.T) {
	for _, tt := range []struct {
		name    string
		environ map[string]string
		want    string
	}{
		{"unset", map[string]string{}, defaultStaticDir},
		{"empty serves none", map[string]string{"SHOTLINE_STATIC_DIR": ""}, ""},
		{"set", map[string]string{"SHOTLINE_STATIC_DIR": "/srv/app"}, "/srv/app"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfigFrom(tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.StaticDir; got != tt.want {
				t.Fatalf("StaticDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPublicOriginsAreCanonicalAndChecked(t *testing.T) {
	c, err := loadConfigFrom(map[string]string{"SHOTLINE_PUBLIC_ORIGINS": "HTTPS://Shotline.Example:443, http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.PublicOrigins, " "), "https://shotline.example http://localhost:8080"; got != want {
		t.Fatalf("PublicOrigins = %q, want %q", got, want)
	}
	if _, err := loadConfigFrom(map[string]string{"SHOTLINE_PUBLIC_ORIGINS": "shotline.example"}); err == nil {
		t.Fatal("an origin without a scheme was accepted")
	}
}
