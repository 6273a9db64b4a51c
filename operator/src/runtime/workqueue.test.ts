import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { WorkQueue } from "./workqueue.ts";
import { ExponentialBackoff, TokenBucket } from "../../../lib/rate-limiter.ts";

describe("WorkQueue", () => {
  test("deduplicates keys queued before processing", async () => {
    const q = new WorkQueue({ name: "t", concurrency: 2 });
    const seen: string[] = [];
    for (const k of ["a", "b", "a", "a", "b", "c"]) q.add(k);
    q.start(async (k) => { seen.push(k); });
    await sleep(20);
    await q.shutdown();
    assert.deepEqual(seen.sort(), ["a", "b", "c"]);
  });

  test("never processes one key concurrently; an add during processing runs it once more", async () => {
    const q = new WorkQueue({ name: "t", concurrency: 4 });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await sleep(30);
      running--;
    });
    q.add("k");
    await sleep(5);
    q.add("k");
    q.add("k");
    await sleep(100);
    await q.shutdown();
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2);
  });

  test("runs up to `concurrency` different keys in parallel", async () => {
    const q = new WorkQueue({ name: "t", concurrency: 3 });
    let running = 0;
    let maxRunning = 0;
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running--;
    });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await sleep(120);
    await q.shutdown();
    assert.equal(maxRunning, 3);
  });

  test("failures back off exponentially per key; forget resets", async () => {
    const q = new WorkQueue({ name: "t", concurrency: 1, baseDelayMs: 10, maxDelayMs: 1000 });
    const times: number[] = [];
    q.start(async (k) => {
      times.push(performance.now());
      if (times.length < 4) q.addRateLimited(k);
      else q.forget(k);
    });
    q.add("k");
    await sleep(250);
    await q.shutdown();
    assert.equal(times.length, 4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps[0]! >= 9 && gaps[1]! >= 19 && gaps[2]! >= 39, `gaps ${gaps.map(Math.round)}`);
    assert.equal(q.retries("k"), 0);
  });

  test("shutdown waits for in-flight work and drops queued keys", async () => {
    const q = new WorkQueue({ name: "t", concurrency: 1 });
    let finished = 0;
    q.start(async () => { await sleep(40); finished++; });
    q.add("a");
    q.add("b");
    await sleep(5);
    await q.shutdown();
    assert.equal(finished, 1);
  });
});

describe("rate limiters", () => {
  test("token bucket allows a burst, then qps", () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 0]);
    assert.equal(Math.round(b.reserve()), 100);
    now = 1000;
    assert.equal(b.reserve(), 0);
  });

  test("exponential backoff caps", () => {
    const e = new ExponentialBackoff(5, 30);
    assert.deepEqual([e.next("a"), e.next("a"), e.next("a"), e.next("a"), e.next("b")], [5, 10, 20, 30, 5]);
  });
});
