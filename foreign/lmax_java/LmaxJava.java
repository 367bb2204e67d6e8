// lmax_java: the LMAX Disruptor (Java) under ringlab's foreign protocol.
//
// The harness starts this program in one JVM per configuration, reads one
// hello line from it, then writes one run request per line on its standard
// input and reads one reply per line from its standard output (the
// protocol: foreign/README.md and harness/src/foreign/protocol.rs). The
// scenario's warm-up runs go to the same JVM first, so the measured runs
// find the JIT warm.
//
// Each run is the harness's workload on the Disruptor's own parts: a
// RingBuffer with the single-producer sequencer for one producer and the
// multi-producer sequencer otherwise; producers claim `batch` sequences
// with next(n), write every word of every message as `Msg::write` does and
// publish the range; consumers are BatchEventProcessors (spsc, mpsc, and
// one per consumer for fan-out) or the WorkerPool's WorkProcessors
// (mpmc_worker_pool), each reading every word and keeping the oracle's
// tally. The harness's wait strategy maps to the Disruptor's (busy_spin
// and spin_hint to BusySpin, spin_yield and yield to Yielding, sleep to
// Sleeping, blocking to Blocking, timeout_blocking to TimeoutBlocking);
// a producer on a full ring waits as the Disruptor's sequencers do (a
// 1 ns park). Run threads are pinned with taskset by thread id. The
// harness, not this program, judges the tallies.
//
// The measured region runs from the first run thread past the start
// barrier to the last message consumed: a batch processor takes the end
// when it handles the run's last sequence; for the worker pool, where any
// worker may finish last, this program's main thread sees every worker's
// sequence pass the last one, polling every 20 microseconds.

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.TimeoutBlockingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.WorkHandler;
import com.lmax.disruptor.WorkerPool;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.Util;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

public final class LmaxJava {
    static final String PROTOCOL = "ringlab-foreign/2";
    // impls::message's SEQUENCE_BITS and MIX; finish is impls::message::mix
    // (splitmix64's finaliser).
    static final int SEQUENCE_BITS = 48;
    static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    static final long MIX = 0x9E3779B97F4A7C15L;
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One slot of the ring: the message's words, written in place. */
    static final class Slot {
        final long[] words;

        Slot(int words) {
            this.words = new long[words];
        }
    }

    /** As Msg::write: the first word is the tag plus the run's salt. */
    static void write(long[] words, long salt, int producer, long sequence) {
        long first = (((long) producer << SEQUENCE_BITS) | sequence) + salt;
        words[0] = first;
        for (int i = 1; i < words.length; i++) {
            words[i] = first ^ (i * MIX);
        }
    }

    static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** As Message::damage: 0 when every word after the first is derived from it. */
    static long damage(long[] words) {
        long damage = 0;
        for (int i = 1; i < words.length; i++) {
            damage |= words[i] ^ words[0] ^ (i * MIX);
        }
        return damage;
    }

    /** One consumer's tally, kept as the harness's oracle keeps it. */
    static final class Tally {
        final long[] count;
        final long[] checksum;
        final long[] nextSequence;
        final long salt;
        long outOfOrder;
        long unknownProducer;
        long corrupted;
        /** Per producer: whether a run is open, and the word that would continue it. */
        final boolean[] open;
        final long[] next;

        Tally(int producers, long salt) {
            this.salt = salt;
            count = new long[producers];
            checksum = new long[producers];
            nextSequence = new long[producers];
            open = new boolean[producers];
            next = new long[producers];
        }

        /**
         * The oracle's per-message bookkeeping; the checksum is kept per run
         * of consecutive messages of a producer: a run from first word a to
         * one before b adds finish(b) - finish(a).
         */
        void observe(long[] words) {
            if (damage(words) != 0) {
                corrupted++;
            }
            long word = words[0];
            long tag = word - salt;
            long producer = tag >>> SEQUENCE_BITS;
            long sequence = tag & SEQUENCE_MASK;
            if (producer >= count.length) {
                unknownProducer++;
                return;
            }
            int p = (int) producer;
            if (!open[p] || word != next[p]) {
                if (open[p]) {
                    checksum[p] += finish(next[p]);
                }
                checksum[p] -= finish(word);
                open[p] = true;
            }
            if (sequence < nextSequence[p]) {
                outOfOrder++;
            }
            next[p] = word + 1;
            nextSequence[p] = sequence + 1;
            count[p]++;
        }

        /** Ends every open run. */
        void close() {
            for (int p = 0; p < count.length; p++) {
                if (open[p]) {
                    checksum[p] += finish(next[p]);
                    open[p] = false;
                }
            }
        }

        void json(StringBuilder out) {
            out.append("{\"producers\":[");
            for (int p = 0; p < count.length; p++) {
                if (p > 0) {
                    out.append(',');
                }
                out.append("{\"count\":").append(count[p])
                        .append(",\"checksum\":").append(Long.toUnsignedString(checksum[p]))
                        .append(",\"next_sequence\":").append(nextSequence[p]).append('}');
            }
            out.append("],\"out_of_order\":").append(outOfOrder)
                    .append(",\"unknown_producer\":").append(unknownProducer)
                    .append(",\"corrupted\":").append(corrupted).append('}');
        }
    }

    /** What every run thread shares: the start barrier and the measurements. */
    static final class Run {
        final CyclicBarrier barrier;
        final long[] cores;
        final AtomicLong start = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong end = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong cpu = new AtomicLong();
        final AtomicInteger pinFailures = new AtomicInteger();
        final AtomicReference<String> error = new AtomicReference<>();
        final CountDownLatch done;

        Run(int threads, long[] cores) {
            barrier = new CyclicBarrier(threads);
            this.cores = cores;
            done = new CountDownLatch(threads);
        }

        /** Pins the calling thread, waits at the barrier; returns its CPU clock. */
        long enter(int thread) throws Exception {
            if (cores != null && !pin(cores[thread])) {
                pinFailures.incrementAndGet();
            }
            barrier.await();
            start.accumulateAndGet(System.nanoTime(), Math::min);
            return THREADS.getCurrentThreadCpuTime();
        }

        void finish() {
            end.accumulateAndGet(System.nanoTime(), Math::max);
        }

        void leave(long cpuStart) {
            cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuStart);
            done.countDown();
        }

        void fail(Throwable error) {
            this.error.compareAndSet(null, error.toString());
        }

        /** Run thread `index`: pinned, started at the barrier, `body` measured. */
        Thread thread(String name, int index, Runnable body) {
            Thread thread = new Thread(() -> {
                try {
                    long cpuStart = enter(index);
                    body.run();
                    leave(cpuStart);
                } catch (Throwable e) {
                    fail(e);
                }
            }, name);
            thread.setDaemon(true);
            return thread;
        }
    }

    /** Pins the calling thread to `core` through taskset and its thread id. */
    static boolean pin(long core) {
        try {
            String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            String tid = self.substring(self.lastIndexOf('/') + 1);
            Process taskset = new ProcessBuilder("taskset", "-p", "-c", Long.toString(core), tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return taskset.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static WaitStrategy waitStrategy(String wait) {
        switch (wait) {
            case "busy_spin":
            case "spin_hint":
                return new BusySpinWaitStrategy();
            case "spin_yield":
            case "yield":
                return new YieldingWaitStrategy();
            case "sleep":
                return new SleepingWaitStrategy();
            case "blocking":
                return new BlockingWaitStrategy();
            case "timeout_blocking":
                return new TimeoutBlockingWaitStrategy(1, TimeUnit.MILLISECONDS);
            default:
                throw new IllegalArgumentException("unknown wait strategy " + wait);
        }
    }

    /** The consumer of spsc, mpsc and fan-out: one batch processor's handler. */
    static final class Handler implements EventHandler<Slot> {
        final Tally tally;
        final long last;
        final Run run;
        BatchEventProcessor<Slot> processor;

        Handler(Tally tally, long last, Run run) {
            this.tally = tally;
            this.last = last;
            this.run = run;
        }

        @Override
        public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
            tally.observe(slot.words);
            if (sequence == last) {
                run.finish();
                processor.halt();
            }
        }
    }

    /** A worker of the pool. */
    static final class Worker implements WorkHandler<Slot> {
        final Tally tally;

        Worker(Tally tally) {
            this.tally = tally;
        }

        @Override
        public void onEvent(Slot slot) {
            tally.observe(slot.words);
        }
    }

    /** Records a handler's exception and stops the run. */
    static final class Failing implements ExceptionHandler<Object> {
        final Run run;

        Failing(Run run) {
            this.run = run;
        }

        @Override
        public void handleEventException(Throwable error, long sequence, Object event) {
            run.fail(error);
        }

        @Override
        public void handleOnStartException(Throwable error) {
            run.fail(error);
        }

        @Override
        public void handleOnShutdownException(Throwable error) {
            run.fail(error);
        }
    }

    static String run(Map<String, Object> request) throws Exception {
        long id = number(request, "run");
        String topology = (String) request.get("topology");
        int producers = (int) number(request, "producers");
        int consumers = (int) number(request, "consumers");
        int capacity = (int) number(request, "capacity");
        int batch = (int) number(request, "batch");
        int words = (int) number(request, "payload_words");
        long timeoutMs = number(request, "timeout_ms");
        // A 64-bit pattern: the parser reads numbers above Long.MAX_VALUE
        // as unsigned.
        long salt = number(request, "salt");
        boolean corrupt = Boolean.TRUE.equals(request.get("corrupt"));
        @SuppressWarnings("unchecked")
        List<Object> quotaList = (List<Object>) request.get("quotas");
        @SuppressWarnings("unchecked")
        List<Object> coreList = (List<Object>) request.get("cores");
        long[] quotas = new long[producers];
        long total = 0;
        for (int p = 0; p < producers; p++) {
            quotas[p] = (Long) quotaList.get(p);
            total += quotas[p];
        }
        long[] cores = null;
        if (coreList != null) {
            cores = new long[coreList.size()];
            for (int i = 0; i < cores.length; i++) {
                cores[i] = (Long) coreList.get(i);
            }
        }
        boolean pool = topology.equals("mpmc_worker_pool");
        boolean fanout = topology.equals("mpmc_fanout");
        if (!pool && !fanout && consumers != 1) {
            return error(id, topology + " has exactly one consumer");
        }
        String wait = (String) request.get("wait");
        RingBuffer<Slot> ring = RingBuffer.create(
                producers == 1 ? ProducerType.SINGLE : ProducerType.MULTI,
                () -> new Slot(words),
                capacity,
                waitStrategy(wait));
        Run run = new Run(producers + consumers, cores);
        Tally[] tallies = new Tally[consumers];
        List<Thread> threads = new ArrayList<>();
        long last = total - 1;
        WorkerPool<Slot> workers = null;
        if (pool) {
            Worker[] handlers = new Worker[consumers];
            for (int c = 0; c < consumers; c++) {
                tallies[c] = new Tally(producers, salt);
                handlers[c] = new Worker(tallies[c]);
            }
            workers = new WorkerPool<>(ring, ring.newBarrier(), new Failing(run), handlers);
            ring.addGatingSequences(workers.getWorkerSequences());
            AtomicInteger next = new AtomicInteger(producers);
            // The pool hands each WorkProcessor to this executor: a run
            // thread of its own, pinned and started with the others.
            workers.start(processor -> {
                int thread = next.getAndIncrement();
                threads.add(run.thread("worker-" + (thread - producers), thread, processor));
            });
        } else {
            for (int c = 0; c < consumers; c++) {
                tallies[c] = new Tally(producers, salt);
                Handler handler = new Handler(tallies[c], last, run);
                BatchEventProcessor<Slot> processor =
                        new BatchEventProcessor<>(ring, ring.newBarrier(), handler);
                processor.setExceptionHandler(new Failing(run));
                handler.processor = processor;
                ring.addGatingSequences(processor.getSequence());
                int thread = producers + c;
                threads.add(run.thread("consumer-" + c, thread, processor));
            }
        }
        for (int p = 0; p < producers; p++) {
            int producer = p;
            long quota = quotas[p];
            threads.add(run.thread("producer-" + p, producer, () -> {
                long sequence = 0;
                while (sequence < quota) {
                    int n = (int) Math.min(batch, quota - sequence);
                    long high = ring.next(n);
                    long low = high - (n - 1);
                    for (long s = low; s <= high; s++) {
                        write(ring.get(s).words, salt, producer, sequence++);
                    }
                    ring.publish(low, high);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.start();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        if (pool) {
            Sequence[] sequences = workers.getWorkerSequences();
            while (Util.getMinimumSequence(sequences) < last && run.error.get() == null) {
                if (System.nanoTime() > deadline) {
                    return error(id, "the run did not finish within " + timeoutMs + " ms");
                }
                LockSupport.parkNanos(20_000);
            }
            run.finish();
            workers.halt();
        }
        while (!run.done.await(10, TimeUnit.MILLISECONDS)) {
            if (run.error.get() != null) {
                return error(id, "a run thread failed: " + run.error.get());
            }
            if (System.nanoTime() > deadline) {
                return error(id, "the run did not finish within " + timeoutMs + " ms");
            }
        }
        if (run.error.get() != null) {
            return error(id, "a run thread failed: " + run.error.get());
        }
        for (Tally tally : tallies) {
            tally.close();
        }
        if (corrupt && tallies.length > 0 && producers > 0) {
            // A deliberately broken child, for the harness's tests: one
            // checksum miscounted.
            tallies[0].checksum[0] ^= 1;
        }
        StringBuilder out = new StringBuilder();
        out.append("{\"run\":").append(id)
                .append(",\"start_ns\":").append(run.start.get())
                .append(",\"end_ns\":").append(run.end.get())
                .append(",\"cpu_ns\":").append(run.cpu.get())
                .append(",\"pin_failures\":").append(run.pinFailures.get())
                .append(",\"wait\":").append(quote(waitStrategy(wait).getClass().getSimpleName()))
                .append(",\"tallies\":[");
        for (int c = 0; c < tallies.length; c++) {
            if (c > 0) {
                out.append(',');
            }
            tallies[c].json(out);
        }
        return out.append("]}").toString();
    }

    static long number(Map<String, Object> request, String key) {
        Object value = request.get(key);
        if (!(value instanceof Long)) {
            throw new IllegalArgumentException("`" + key + "` must be a whole number");
        }
        return (Long) value;
    }

    static String error(long run, String message) {
        return "{\"run\":" + run + ",\"error\":" + quote(message) + "}";
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** A reader for the requests: one flat JSON object per line. */
    static final class Json {
        final String text;
        int at;

        Json(String text) {
            this.text = text;
        }

        static Map<String, Object> object(String line) {
            Json json = new Json(line);
            Object value = json.value();
            json.space();
            if (!(value instanceof Map) || json.at != json.text.length()) {
                throw new IllegalArgumentException("a request is one JSON object on one line");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) value;
            return map;
        }

        void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        char peek() {
            space();
            if (at >= text.length()) {
                throw new IllegalArgumentException("the request ends early");
            }
            return text.charAt(at);
        }

        void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at);
            }
            at++;
        }

        Object value() {
            char c = peek();
            if (c == '{') {
                Map<String, Object> map = new LinkedHashMap<>();
                at++;
                if (peek() == '}') {
                    at++;
                    return map;
                }
                do {
                    String key = string();
                    expect(':');
                    map.put(key, value());
                } while (comma());
                expect('}');
                return map;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                at++;
                if (peek() == ']') {
                    at++;
                    return list;
                }
                do {
                    list.add(value());
                } while (comma());
                expect(']');
                return list;
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (text.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word.equals("true"));
                }
            }
            int from = at;
            while (at < text.length() && "-0123456789".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            if (from == at) {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + at);
            }
            String digits = text.substring(from, at);
            // Unsigned 64-bit values (a run's salt) past Long.MAX_VALUE keep
            // their bit pattern.
            return digits.startsWith("-") ? Long.parseLong(digits) : Long.parseUnsignedLong(digits);
        }

        boolean comma() {
            if (peek() == ',') {
                at++;
                return true;
            }
            return false;
        }

        String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (at < text.length() && text.charAt(at) != '"') {
                char c = text.charAt(at++);
                if (c == '\\' && at < text.length()) {
                    c = text.charAt(at++);
                }
                out.append(c);
            }
            expect('"');
            return out.toString();
        }
    }

    /** The Disruptor's version, as the harness found it beside the jar. */
    static String library() {
        return System.getProperty("ringlab.library", "Disruptor (version unknown)");
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.println("{\"hello\":" + quote(PROTOCOL)
                + ",\"implementation\":\"lmax_java\",\"runtime\":" + quote("java " + Runtime.version())
                + ",\"library\":" + quote(library()) + "}");
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String reply;
            long id = 0;
            try {
                Map<String, Object> request = Json.object(line);
                id = number(request, "run");
                reply = run(request);
            } catch (Exception e) {
                reply = error(id, "cannot run the request: " + e);
            }
            out.println(reply);
            out.flush();
            if (reply.contains("\"error\"")) {
                // Run threads may still be spinning: a fresh JVM is cleaner.
                System.exit(1);
            }
        }
    }
}
