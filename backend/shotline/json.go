package shotline

import "fmt"

// MaxJSONDepth bounds how deeply the JSON a client sends may nest (a
// request body, a realtime message). MongoDB refuses documents nested more
// than 100 levels, and what a client sends may be stored a few levels down
// in one (an op in the op log, a shot in a snapshot or a version), so input
// stays well under that; it also keeps decoding cheap.
const MaxJSONDepth = 32

// JSONDepth returns how deeply data, a JSON text, nests: 0 for a scalar, 1
// for {} or [], 2 for [[]] or {"a":{}}, and so on. It does not check that
// data is valid JSON; it counts brackets outside strings, in one pass.
func JSONDepth(data []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, b := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			depth++
			deepest = max(deepest, depth)
		case b == '}' || b == ']':
			depth--
		}
	}
	return deepest
}

// ValidateJSONDepth returns EINVALID for field unless data nests at most
// limit levels (see JSONDepth).
func ValidateJSONDepth(field string, data []byte, limit int) error {
	if JSONDepth(data) > limit {
		return Invalid(field, fmt.Sprintf("must not nest more than %d levels deep", limit))
	}
	return nil
}
