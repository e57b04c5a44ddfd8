package shotline_test

import (
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/shotline"
)

func TestJSONDepth(t *testing.T) {
	for _, tt := range []struct {
		name string
		json string
		want int
	}{
		{"scalar", `7`, 0},
		{"empty object", `{}`, 1},
		{"nested", `{"a":[{"b":[]}],"c":{}}`, 4},
		{"brackets in strings", `{"a":"[[{{\"]]"}`, 1},
		{"escaped backslash before a quote", `["\\",[1]]`, 2},
		{"200 levels", strings.Repeat("[", 200) + strings.Repeat("]", 200), 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := shotline.JSONDepth([]byte(tt.json)); got != tt.want {
				t.Fatalf("JSONDepth(%s) = %d, want %d", tt.json, got, tt.want)
			}
		})
	}
	if err := shotline.ValidateJSONDepth("settings", []byte(`[[[]]]`), 2); shotline.ErrorCode(err) != shotline.EINVALID {
		t.Fatalf("3 levels, limit 2: %v, want EINVALID", err)
	}
	if err := shotline.ValidateJSONDepth("settings", []byte(`[[]]`), 2); err != nil {
		t.Fatalf("2 levels, limit 2: %v", err)
	}
}
