// go_chan: Go's buffered channel under ringlab's foreign protocol.
//
// The harness starts this program, reads one hello line from it, then
// writes one run request per line on its standard input and reads one
// reply per line from its standard output (the protocol is described in
// foreign/README.md and harness/src/foreign/protocol.rs). Each run is the
// harness's workload: producers write every word of every message as
// `Msg::write` does and send it with one channel send; consumers receive,
// check every word, and keep the oracle's tally (per producer: count,
// checksum of runs, next sequence in order). Fan-out is emulated
// as it is for the Rust channels: one channel per consumer, each message
// sent once on every channel. Every run goroutine is locked to its own OS
// thread and pinned to its core with sched_setaffinity (go_chan), or,
// started with -scheduled (go_chan_sched), left to Go's scheduler with
// GOMAXPROCS set to the number of cores the run is given, as Go programs
// run. The harness, not this program, judges the tallies.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const protocol = "ringlab-foreign/2"

// sequenceBits and mix are impls::message's SEQUENCE_BITS and MIX;
// finish is impls::message::mix (splitmix64's finaliser).
const sequenceBits = 48
const sequenceMask = (uint64(1) << sequenceBits) - 1
const mix = uint64(0x9E3779B97F4A7C15)

type request struct {
	Run          uint64   `json:"run"`
	Topology     string   `json:"topology"`
	Producers    int      `json:"producers"`
	Consumers    int      `json:"consumers"`
	Capacity     int      `json:"capacity"`
	Batch        int      `json:"batch"`
	PayloadWords int      `json:"payload_words"`
	Quotas       []uint64 `json:"quotas"`
	Salt         uint64   `json:"salt"`
	Cores        []int    `json:"cores"`
	Wait         string   `json:"wait"`
	Corrupt      bool     `json:"corrupt"`
}

type perProducer struct {
	Count        uint64 `json:"count"`
	Checksum     uint64 `json:"checksum"`
	NextSequence uint64 `json:"next_sequence"`
}

type tally struct {
	Producers       []perProducer `json:"producers"`
	OutOfOrder      uint64        `json:"out_of_order"`
	UnknownProducer uint64        `json:"unknown_producer"`
	Corrupted       uint64        `json:"corrupted"`
	// Per producer: whether a run is open, and the first word that would
	// continue it.
	open []bool
	next []uint64
}

type reply struct {
	Run         uint64  `json:"run"`
	StartNs     int64   `json:"start_ns"`
	EndNs       int64   `json:"end_ns"`
	CPUNs       uint64  `json:"cpu_ns"`
	PinFailures int     `json:"pin_failures"`
	Tallies     []tally `json:"tallies"`
	Error       string  `json:"error,omitempty"`
}

type hello struct {
	Hello          string `json:"hello"`
	Implementation string `json:"implementation"`
	Runtime        string `json:"runtime"`
	Library        string `json:"library"`
}

// words are the three payload sizes: 8, 64 and 256 bytes.
type words interface {
	[1]uint64 | [8]uint64 | [32]uint64
}

// write fills every word as Msg::write does: the first word is the tag
// plus the run's salt (wrapping), the others are derived from it.
func write[M words](m *M, salt uint64, producer int, sequence uint64) {
	first := (uint64(producer)<<sequenceBits | sequence) + salt
	(*m)[0] = first
	for i := 1; i < len(*m); i++ {
		(*m)[i] = first ^ uint64(i)*mix
	}
}

func finish(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// damage is Message::damage: every word after the first compared with the
// value derived from the first; 0 when the message is intact.
func damage[M words](m *M) uint64 {
	var d uint64
	for i := 1; i < len(*m); i++ {
		d |= (*m)[i] ^ (*m)[0] ^ uint64(i)*mix
	}
	return d
}

// observe is the oracle's per-message bookkeeping (harness/src/oracle),
// for a message whose first word is word under the run's salt. The
// checksum is kept per run of consecutive messages of a producer: a run
// from first word a to one before b adds finish(b) - finish(a).
func (t *tally) observe(salt, word, d uint64) {
	if d != 0 {
		t.Corrupted++
	}
	tag := word - salt
	producer := tag >> sequenceBits
	sequence := tag & sequenceMask
	if producer >= uint64(len(t.Producers)) {
		t.UnknownProducer++
		return
	}
	entry := &t.Producers[producer]
	if !t.open[producer] || word != t.next[producer] {
		if t.open[producer] {
			entry.Checksum += finish(t.next[producer])
		}
		entry.Checksum -= finish(word)
		t.open[producer] = true
	}
	if sequence < entry.NextSequence {
		t.OutOfOrder++
	}
	t.next[producer] = word + 1
	entry.NextSequence = sequence + 1
	entry.Count++
}

// close ends every open run.
func (t *tally) close() {
	for p := range t.Producers {
		if t.open[p] {
			t.Producers[p].Checksum += finish(t.next[p])
			t.open[p] = false
		}
	}
}

var base = time.Now()

// scheduled: run goroutines are neither locked nor pinned (go_chan_sched).
var scheduled = len(os.Args) > 1 && os.Args[1] == "-scheduled"

// name is the implementation this program is run as.
func name() string {
	if scheduled {
		return "go_chan_sched"
	}
	return "go_chan"
}

// now is monotonic nanoseconds since the program started.
func now() int64 { return int64(time.Since(base)) }

// cpuClock reads a CPU-time clock: 2 is CLOCK_PROCESS_CPUTIME_ID, 3
// CLOCK_THREAD_CPUTIME_ID.
func cpuClock(clock uintptr) uint64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

// threadCPU is this OS thread's CPU time; 0 when goroutines are
// scheduled (a goroutine moves between threads: the run's CPU time is
// then the process's, taken around the run).
func threadCPU() uint64 {
	if scheduled {
		return 0
	}
	return cpuClock(3)
}

// pin locks the goroutine to its OS thread and pins that thread to
// core; false when the kernel refuses. Scheduled goroutines stay free.
func pin(core int) bool {
	if scheduled {
		return true
	}
	runtime.LockOSThread()
	if core < 0 {
		return true
	}
	var mask [16]uint64
	if core >= len(mask)*64 {
		return false
	}
	mask[core/64] |= 1 << (core % 64)
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	return errno == 0
}

// thread is what every run thread shares: the start gate and its
// measurements.
type threads struct {
	ready       sync.WaitGroup
	gate        chan struct{}
	done        sync.WaitGroup
	pinFailures atomic.Int32
	cpu         atomic.Uint64
	start       atomic.Int64
	end         atomic.Int64
}

// enter pins the calling goroutine, waits at the start gate and returns
// its start time and CPU clock.
func (t *threads) enter(core int) (int64, uint64) {
	if !pin(core) {
		t.pinFailures.Add(1)
	}
	t.ready.Done()
	<-t.gate
	started := now()
	for {
		first := t.start.Load()
		if first != 0 && first <= started || t.start.CompareAndSwap(first, started) {
			break
		}
	}
	return started, threadCPU()
}

func (t *threads) leave(cpuStart uint64, consumer bool) {
	if consumer {
		finished := now()
		for {
			last := t.end.Load()
			if last >= finished || t.end.CompareAndSwap(last, finished) {
				break
			}
		}
	}
	t.cpu.Add(threadCPU() - cpuStart)
	t.done.Done()
}

func run[M words](req *request) reply {
	fanout := req.Topology == "mpmc_fanout"
	channels := 1
	if fanout {
		channels = req.Consumers
	}
	// Collect the previous run's channels first, so that this run's reuse
	// their memory (cleared here, before the timer). Otherwise whether the
	// buffer's pages are first touched inside the timed run depends on
	// when the collector last ran: a child's second run read about 0.7x
	// the others at 5,000,000 slots.
	runtime.GC()
	queues := make([]chan M, channels)
	for i := range queues {
		queues[i] = make(chan M, req.Capacity)
	}
	core := func(index int) int {
		if req.Cores == nil {
			return -1
		}
		return req.Cores[index]
	}
	if scheduled {
		runtime.GOMAXPROCS(procs(req))
	}
	t := &threads{gate: make(chan struct{})}
	total := req.Producers + req.Consumers
	t.ready.Add(total)
	t.done.Add(total)
	var producing sync.WaitGroup
	producing.Add(req.Producers)
	for p := 0; p < req.Producers; p++ {
		go func(id int, quota uint64) {
			_, cpu := t.enter(core(id))
			var m M
			for sequence := uint64(0); sequence < quota; sequence++ {
				write(&m, req.Salt, id, sequence)
				for _, queue := range queues {
					queue <- m
				}
			}
			producing.Done()
			t.leave(cpu, false)
		}(p, req.Quotas[p])
	}
	tallies := make([]tally, req.Consumers)
	for c := 0; c < req.Consumers; c++ {
		tallies[c].Producers = make([]perProducer, req.Producers)
		tallies[c].open = make([]bool, req.Producers)
		tallies[c].next = make([]uint64, req.Producers)
		queue := queues[0]
		if fanout {
			queue = queues[c]
		}
		go func(index int, queue chan M, tally *tally) {
			_, cpu := t.enter(core(req.Producers + index))
			for m := range queue {
				tally.observe(req.Salt, m[0], damage(&m))
			}
			tally.close()
			t.leave(cpu, true)
		}(c, queue, &tallies[c])
	}
	// Closing after the last producer: consumers drain, then see it.
	go func() {
		producing.Wait()
		for _, queue := range queues {
			close(queue)
		}
	}()
	t.ready.Wait()
	processStart := cpuClock(2)
	close(t.gate)
	t.done.Wait()
	if scheduled {
		// Every thread of the process: the run's goroutines, the
		// scheduler's and the garbage collector's.
		t.cpu.Store(cpuClock(2) - processStart)
	}
	if req.Corrupt && len(tallies) > 0 && len(tallies[0].Producers) > 0 {
		// A deliberately broken child, for the harness's tests: one
		// checksum miscounted.
		tallies[0].Producers[0].Checksum ^= 1
	}
	return reply{
		Run:         req.Run,
		StartNs:     t.start.Load(),
		EndNs:       t.end.Load(),
		CPUNs:       t.cpu.Load(),
		PinFailures: int(t.pinFailures.Load()),
		Tallies:     tallies,
	}
}

// procs is GOMAXPROCS for a scheduled run: the number of distinct cores
// it is given, or every CPU when it is given none.
func procs(req *request) int {
	if req.Cores == nil {
		return runtime.NumCPU()
	}
	distinct := map[int]bool{}
	for _, core := range req.Cores {
		distinct[core] = true
	}
	return len(distinct)
}

func check(req *request) string {
	switch req.Topology {
	case "spsc", "mpsc", "mpmc_worker_pool", "mpmc_fanout":
	default:
		return fmt.Sprintf("%s does not run topology %q", name(), req.Topology)
	}
	if req.Producers < 1 || req.Consumers < 1 || len(req.Quotas) != req.Producers {
		return "a run needs at least one producer and one consumer, and one quota per producer"
	}
	if req.Cores != nil && len(req.Cores) != req.Producers+req.Consumers {
		return "cores must name one core per thread, producers first"
	}
	if req.Capacity < 1 {
		return "capacity must be at least 1"
	}
	return ""
}

func main() {
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	send := func(value any) {
		if err := encoder.Encode(value); err != nil {
			fmt.Fprintln(os.Stderr, name()+": cannot write:", err)
			os.Exit(1)
		}
		out.Flush()
	}
	library := "buffered chan"
	if scheduled {
		library = "buffered chan, scheduled goroutines"
	}
	send(hello{Hello: protocol, Implementation: name(), Runtime: runtime.Version(), Library: library})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			send(reply{Error: "cannot read the request: " + err.Error()})
			continue
		}
		if problem := check(&req); problem != "" {
			send(reply{Run: req.Run, Error: problem})
			continue
		}
		var answer reply
		switch req.PayloadWords {
		case 1:
			answer = run[[1]uint64](&req)
		case 8:
			answer = run[[8]uint64](&req)
		case 32:
			answer = run[[32]uint64](&req)
		default:
			answer = reply{Run: req.Run, Error: fmt.Sprintf("payload of %d words is not 1, 8 or 32", req.PayloadWords)}
		}
		send(answer)
	}
}
