package policies

import (
	_ "embed"
	"strings"
)

// MatrixGolden is the reviewed grid of the policy (matrix.golden): every
// subject × every permission, allowed or not. A test keeps it equal to
// what Casbin answers from Model and Roles, so a change to roles.csv fails
// until the grid is regenerated and reviewed with it; the REST and socket
// matrix tests take their expectations from it.
//
//go:embed matrix.golden
var MatrixGolden string

// Grid parses MatrixGolden: subject → permission → allowed.
func Grid() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	var subjects []string
	for _, line := range strings.Split(MatrixGolden, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case fields[0] == "permission":
			subjects = fields[1:]
			for _, s := range subjects {
				out[s] = map[string]bool{}
			}
		default:
			for i, v := range fields[1:] {
				if i < len(subjects) {
					out[subjects[i]][fields[0]] = v == "y"
				}
			}
		}
	}
	return out
}
