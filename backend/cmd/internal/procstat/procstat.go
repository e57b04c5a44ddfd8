// Package procstat reads a process's resident memory from /proc, for the
// load and benchmark tools.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSS returns the resident memory of process pid in KiB (VmRSS of
// /proc/PID/status); 0 if unknown.
func RSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}
