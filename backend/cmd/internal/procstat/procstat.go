// Package procstat reads a process's resident memory from /proc, for the
// load and benchmark tools.
package procstat

import (
	"bytes"
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

// CPUSeconds returns the user+system CPU time process pid has used (0 if
// unknown), from /proc/PID/stat (fields 14 and 15, in clock ticks of
// 1/100 s); with children, also that of its children it has waited for
// (fields 16 and 17: the ffmpeg runs of exports and renders).
func CPUSeconds(pid int, children bool) float64 {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3
	if len(f) < 15 {
		return 0
	}
	n := 2
	if children {
		n = 4
	}
	total := 0.0
	for _, v := range f[11 : 11+n] {
		x, _ := strconv.ParseFloat(v, 64)
		total += x
	}
	return total / 100
}
