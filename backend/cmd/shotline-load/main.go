// Command shotline-load is Shotline's realtime load generator. It signs up
// a user, creates boards, opens sockets to them like browsers do, sends
// shot.set ops at a fixed rate and reports op-to-peer and ack latency,
// delivered ops per second, errors, and the server's memory per
// connection. Run the server as a separate process; see docs/benchmarks.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
	"github.com/shotline/shotline/backend/cmd/internal/procstat"
	"github.com/shotline/shotline/backend/realtime"
	"github.com/shotline/shotline/backend/realtime/liveclient"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL; several, comma-separated, spread each board's sockets over app instances that share rooms")
	boards := flag.Int("boards", 10, "boards")
	peers := flag.Int("peers", 10, "sockets per board")
	senders := flag.Int("senders", -1, "sockets per board that send ops (-1: all)")
	rate := flag.Float64("rate", 10, "ops per second per sending socket")
	duration := flag.Duration("duration", 20*time.Second, "how long to send")
	pid := flag.Int("pid", 0, "server process id, to report its memory per connection")
	bursts := flag.Bool("board-bursts", false, "give each board's senders neighbouring start times, so that a board gets its ops in one burst each interval (the pattern of runs before 2026-11-26) instead of spread over the interval")
	cpuProfile := flag.String("cpuprofile", "", "write this tool's CPU profile while it sends ops to this file (go tool pprof), to see what measuring costs")
	timeline := flag.Bool("timeline", false, "also print op-to-peer latency second by second (by when the op was sent), to see whether a high percentile is a few stalls or spread")
	byBoard := flag.Bool("by-board", false, "with several URLs: all of a board's sockets on one instance (boards spread over them) instead of each board's sockets spread")
	var bad misbehaving
	flag.Int64Var(&bad.floodBytes, "flood-bytes", 0, "one more socket on the first board sends this many bytes of ops as fast as it can while the others send (reconnecting when closed, as a buggy client would); not counted in the latencies")
	flag.IntVar(&bad.floodSize, "flood-size", 64<<10, "bytes per flooding message (a shot.set whose title is too long: decoded, then refused)")
	flag.BoolVar(&bad.stall, "stall", false, "one more socket on the first board joins and then never reads (a 4 KiB receive buffer), while the others send")
	flag.IntVar(&world.dials, "dials", 8, "sockets opening at once (a reconnect storm: hundreds)")
	flag.StringVar(&world.save, "save", "", "write the user's session and the boards made to this file, for -reuse after a server restart")
	flag.StringVar(&world.reuse, "reuse", "", "connect to the boards a -save run made (their rooms cold after a restart) instead of making new ones")
	flag.Parse()
	if err := run(*base, *byBoard, *bursts, *timeline, *boards, *peers, *senders, *rate, *duration, *pid, *cpuProfile, bad); err != nil {
		fmt.Fprintln(os.Stderr, "shotline-load:", err)
		os.Exit(1)
	}
}

type stats struct {
	mu        sync.Mutex
	toPeer    []time.Duration
	toPeerAt  []int64 // when each of toPeer's ops was sent (Unix ns)
	ack       []time.Duration
	delivered atomic.Int64
	sent      atomic.Int64
	errors    atomic.Int64
	closes    atomic.Int64
}

// setup is the user and boards a run works with: made by the run, or read
// from a file an earlier run saved (-save, -reuse).
type setup struct {
	Cookie string   `json:"cookie"`
	CSRF   string   `json:"csrf"`
	Boards []string `json:"boards"`

	dials       int    // sockets opening at once
	save, reuse string // files
}

var world setup

// makeSetup signs a new user up and creates nBoards boards, or reads them
// from world.reuse.
func makeSetup(hc *http.Client, base string, nBoards int) (*setup, error) {
	if world.reuse != "" {
		data, err := os.ReadFile(world.reuse)
		if err != nil {
			return nil, err
		}
		var w setup
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		if len(w.Boards) < nBoards {
			return nil, fmt.Errorf("%s has %d boards, not %d", world.reuse, len(w.Boards), nBoards)
		}
		w.Boards = w.Boards[:nBoards]
		return &w, nil
	}
	w := &setup{}
	email := "load-" + uuid.NewString()[:8] + "@example.com"
	var sess struct{ CSRFToken string }
	if err := call(hc, base, "", "POST", "/api/auth/signup", map[string]any{"email": email, "password": "load test passphrase", "name": "Load"}, &sess); err != nil {
		return nil, err
	}
	var ws, proj struct{ ID string }
	if err := call(hc, base, sess.CSRFToken, "POST", "/api/workspaces", map[string]any{"name": "Load"}, &ws); err != nil {
		return nil, err
	}
	if err := call(hc, base, sess.CSRFToken, "POST", "/api/workspaces/"+ws.ID+"/projects", map[string]any{"name": "Load"}, &proj); err != nil {
		return nil, err
	}
	u, _ := url.Parse(base)
	for _, c := range hc.Jar.Cookies(u) {
		if c.Name == "shotline_session" {
			w.Cookie = c.Value
		}
	}
	w.CSRF = sess.CSRFToken
	for b := 0; b < nBoards; b++ {
		var created struct{ ID string }
		if err := call(hc, base, sess.CSRFToken, "POST", "/api/projects/"+proj.ID+"/boards", map[string]any{"title": "Board " + strconv.Itoa(b)}, &created); err != nil {
			return nil, err
		}
		w.Boards = append(w.Boards, created.ID)
	}
	if world.save != "" {
		data, _ := json.Marshal(w)
		if err := os.WriteFile(world.save, data, 0o600); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// misbehaving says which badly behaved sockets join the first board while
// the others send: the room must not make everyone else wait for them.
type misbehaving struct {
	floodBytes int64 // a socket sends this many bytes of ops as fast as it can
	floodSize  int   // bytes per flooding message
	stall      bool  // a socket stops reading
}

func run(urls string, byBoard, bursts, timeline bool, nBoards, nPeers, nSenders int, rate float64, duration time.Duration, pid int, cpuProfile string, bad misbehaving) error {
	bases := strings.Split(urls, ",")
	base := bases[0]
	if nSenders < 0 || nSenders > nPeers {
		nSenders = nPeers
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	// The user and the boards first, so that the memory baseline is taken
	// after sign-up (argon2id's memory) and board creation, and the
	// connect time is the sockets' alone.
	w, err := makeSetup(hc, base, nBoards)
	if err != nil {
		return err
	}
	cookie := w.Cookie
	rssBefore := procstat.RSS(pid)

	st := &stats{}
	var (
		socks   = make([]*sock, nBoards*nPeers)
		ready   sync.WaitGroup
		dialErr atomic.Pointer[error]
		dials   = make(chan struct{}, max(1, world.dials)) // sockets opened at once
	)
	start := time.Now()
	var opening sync.WaitGroup
	for b := 0; b < nBoards; b++ {
		boardID := w.Boards[b]
		shotID := uuid.NewString()
		for p := 0; p < nPeers; p++ {
			dials <- struct{}{}
			opening.Add(1)
			ready.Add(1)
			go func() {
				defer opening.Done()
				instance := p
				if byBoard {
					instance = b
				}
				conn, err := liveclient.Dial(context.Background(), bases[instance%len(bases)], cookie, boardID)
				if err == nil {
					err = conn.Join(boardID, nil)
				}
				<-dials
				if err != nil {
					err = fmt.Errorf("socket %d: %w", b*nPeers+p, err)
					dialErr.CompareAndSwap(nil, &err)
					ready.Done()
					return
				}
				s := &sock{conn: conn, boardID: boardID, shotID: shotID}
				socks[b*nPeers+p] = s
				if p == 0 {
					_ = conn.SendOp(uuid.NewString(), 0, board.ShotInsert{ShotID: shotID, Position: "a0", Shot: board.ShotFields{Title: "load"}})
				}
				go func() {
					// Browsers ping every 20 s; the server closes silent sockets.
					for range time.Tick(20 * time.Second) {
						if s.conn.Send(map[string]string{"type": "ping"}) != nil {
							return
						}
					}
				}()
				go s.read(st, p != 0, sync.OnceFunc(ready.Done))
			}()
		}
	}
	opening.Wait()
	if err := dialErr.Load(); err != nil {
		return *err
	}
	ready.Wait()
	connected := time.Since(start)
	rssAfter := procstat.RSS(pid)
	fmt.Printf("connected %d sockets on %d boards in %s\n", len(socks), nBoards, connected.Round(time.Millisecond))
	if pid > 0 {
		fmt.Printf("server RSS %d KiB before, %d KiB after: %.1f KiB per connection\n", rssBefore, rssAfter, float64(rssAfter-rssBefore)/float64(len(socks)))
	}

	if cpuProfile != "" {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cpuBefore, sendStart := procstat.CPUSeconds(pid, false), time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	first := socks[0]
	if bad.stall {
		stalled, err := liveclient.DialWith(ctx, base, cookie, first.boardID, liveclient.Options{ReceiveBuffer: 4 << 10})
		if err == nil {
			err = stalled.Join(first.boardID, nil)
		}
		if err != nil {
			return fmt.Errorf("stalled socket: %w", err)
		}
		defer stalled.Close()
	}
	var flood floodStats
	if bad.floodBytes > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			flood.run(ctx, base, cookie, first.boardID, first.shotID, bad.floodBytes, bad.floodSize)
		}()
	}
	interval := time.Duration(float64(time.Second) / rate)
	nSending := nBoards * nSenders
	for i, s := range socks {
		b, j := i/nPeers, i%nPeers // board, sender on it
		if j >= nSenders {
			continue
		}
		// Senders are spread evenly over the interval (their tickers start
		// at different times), so the load is steady, not a burst from
		// every socket at once each interval. Each board's senders are
		// spread over it too (a board gets an op every interval/nSenders),
		// unless bursts asks for them side by side.
		slot := j*nBoards + b
		if bursts {
			slot = b*nSenders + j
		}
		phase := time.Duration(slot) * interval / time.Duration(nSending)
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(phase)
			t := time.NewTicker(interval)
			defer t.Stop()
			for ctx.Err() == nil { // one op now, then one per tick
				id := uuid.NewString()
				now := time.Now()
				s.sentAt.Store(id, now)
				v, _ := json.Marshal("t" + strconv.FormatInt(now.UnixNano(), 10))
				if err := s.conn.SendOp(id, 0, board.ShotSet{ShotID: s.shotID, Field: board.ShotTitle, Value: v}); err != nil {
					return
				}
				st.sent.Add(1)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // let the last ops arrive before counting
	if pid > 0 {
		fmt.Printf("server CPU while sending: %.0f%% of one core\n", 100*(procstat.CPUSeconds(pid, false)-cpuBefore)/time.Since(sendStart).Seconds())
	}
	for _, s := range socks {
		s.conn.Close()
	}
	secs := duration.Seconds()
	fmt.Printf("sent %d ops (%.0f/s), delivered %d applied ops to peers (%.0f/s), errors %d, server closes %d\n",
		st.sent.Load(), float64(st.sent.Load())/secs, st.delivered.Load(), float64(st.delivered.Load())/secs, st.errors.Load(), st.closes.Load())
	st.mu.Lock()
	defer st.mu.Unlock()
	if bad.floodBytes > 0 {
		fmt.Printf("flood: %d bytes in %d messages over %d connections in %s; closed by the server with %v\n",
			flood.bytes, flood.messages, flood.connections, flood.took.Round(time.Millisecond), flood.closes)
	}
	if timeline {
		printTimeline(st.toPeer, st.toPeerAt, sendStart)
	}
	fmt.Printf("op-to-peer latency: %s\n", percentiles(st.toPeer))
	fmt.Printf("ack latency:        %s\n", percentiles(st.ack))
	return nil
}

// printTimeline prints the latencies of the ops sent in each second after
// start.
func printTimeline(lat []time.Duration, sentAt []int64, start time.Time) {
	var seconds [][]time.Duration
	for i, d := range lat {
		s := int(time.Unix(0, sentAt[i]).Sub(start) / time.Second)
		if s < 0 {
			continue
		}
		for len(seconds) <= s {
			seconds = append(seconds, nil)
		}
		seconds[s] = append(seconds[s], d)
	}
	for s, d := range seconds {
		fmt.Printf("  second %3d: %s\n", s, percentiles(d))
	}
}

// floodStats is what the flooding socket did.
type floodStats struct {
	bytes, messages int64
	connections     int
	closes          []int // close codes, one per connection the server closed
	took            time.Duration
}

// run sends total bytes of size-byte ops to the board as fast as the
// socket takes them, opening a new socket whenever the server closes one,
// until total is sent or ctx ends. It reads (and drops) what the server
// answers, so that only its sending misbehaves.
func (f *floodStats) run(ctx context.Context, base, cookie, boardID, shotID string, total int64, size int) {
	start := time.Now()
	defer func() { f.took = time.Since(start) }()
	value, _ := json.Marshal(strings.Repeat("x", max(1, size-200)))
	for f.bytes < total && ctx.Err() == nil {
		conn, err := liveclient.Dial(ctx, base, cookie, boardID)
		if err == nil {
			err = conn.Join(boardID, nil)
		}
		if err != nil {
			return
		}
		f.connections++
		closed := make(chan int, 1)
		go func() {
			for {
				if _, err := conn.NextRaw(0); err != nil {
					closed <- liveclient.CloseCode(err)
					return
				}
			}
		}()
		for f.bytes < total && ctx.Err() == nil {
			data, _ := realtime.EncodeMessage(realtime.OpMessage{OpID: uuid.NewString(), Op: board.ShotSet{ShotID: shotID, Field: board.ShotTitle, Value: value}})
			if conn.SendRaw(data) != nil {
				break
			}
			f.bytes += int64(len(data))
			f.messages++
		}
		conn.Close()
		if code := <-closed; code != 0 {
			f.closes = append(f.closes, code)
		}
	}
}

type sock struct {
	conn    *liveclient.Conn
	boardID string
	shotID  string
	sentAt  sync.Map // opId → time.Time
}

// read counts what the socket receives until it closes. The socket is
// ready once it has its board: the shot insert applied (the socket that
// sent it) or a snapshot (the others). Messages are picked apart with
// byte searches, not decoded, so that the load tool takes as little of the
// machine's CPU as it can from the server it measures.
func (s *sock) read(st *stats, readyOnSnapshot bool, ready func()) {
	defer ready()
	for {
		data, err := s.conn.NextRaw(0)
		if err != nil {
			if liveclient.CloseCode(err) != 0 {
				st.closes.Add(1)
			}
			return
		}
		now := time.Now()
		switch {
		case bytes.HasPrefix(data, []byte(`{"type":"applied"`)):
			ready()
			v := stringField(data, `"value":"`)
			if len(v) < 2 || v[0] != 't' {
				continue
			}
			ns, err := strconv.ParseInt(string(v[1:]), 10, 64)
			if err != nil {
				continue
			}
			if _, mine := s.sentAt.Load(string(stringField(data, `"opId":"`))); !mine {
				st.mu.Lock()
				st.toPeer = append(st.toPeer, now.Sub(time.Unix(0, ns)))
				st.toPeerAt = append(st.toPeerAt, ns)
				st.mu.Unlock()
			}
			st.delivered.Add(1)
		case bytes.HasPrefix(data, []byte(`{"type":"ack"`)):
			if t0, ok := s.sentAt.LoadAndDelete(string(stringField(data, `"opId":"`))); ok {
				st.mu.Lock()
				st.ack = append(st.ack, now.Sub(t0.(time.Time)))
				st.mu.Unlock()
			}
		case bytes.HasPrefix(data, []byte(`{"type":"error"`)):
			st.errors.Add(1)
		case bytes.HasPrefix(data, []byte(`{"type":"snapshot"`)):
			if readyOnSnapshot {
				ready()
			}
		}
	}
}

// stringField returns the JSON string after key (which ends with the
// opening quote), assuming it holds no escapes, as ids and this tool's
// values do.
func stringField(data []byte, key string) []byte {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return nil
	}
	v := data[i+len(key):]
	if j := bytes.IndexByte(v, '"'); j >= 0 {
		return v[:j]
	}
	return nil
}

func percentiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no samples"
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return fmt.Sprintf("p50 %s  p99 %s  p99.9 %s  max %s  (%d samples)", at(0.5).Round(10*time.Microsecond), at(0.99).Round(10*time.Microsecond),
		at(0.999).Round(10*time.Microsecond), d[len(d)-1].Round(10*time.Microsecond), len(d))
}

// rss returns a process's resident memory in KiB (0 if unknown).

// startCPUProfile writes this process's CPU profile to file until the
// returned stop is called.
func startCPUProfile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func call(hc *http.Client, base, csrf, method, path string, body, out any) error {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
