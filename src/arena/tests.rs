//! The arena over a test region: the same code as in policy.wasm, exercised natively and
//! under Miri (`make miri`), which checks every access against the region's bounds and every
//! block handed to the system allocator against the layout it was allocated with.

use super::*;
use proptest::prelude::*;

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// Runs `f` with an active arena over a fresh region of `len` bytes starting `skew` bytes
/// past a 16-byte boundary, and frees the region afterwards (Miri reports leaks).
fn with_arena<R>(len: usize, skew: usize, f: impl FnOnce(&mut Arena) -> R) -> R {
    let mut buf = vec![0u128; (len + skew).div_ceil(16)];
    let mut a = Arena::new();
    // SAFETY: the region is inside `buf`, which outlives the arena and is not used otherwise.
    unsafe { a.init(buf.as_mut_ptr().cast::<u8>().wrapping_add(skew), len) };
    a.set_active(true);
    let r = f(&mut a);
    drop(buf);
    r
}

/// Whether `len` bytes at `p` all hold `tag`. Filled and compared with `write_bytes` and a
/// slice comparison (memset, memcmp), which Miri runs as single operations rather than byte
/// by byte.
unsafe fn holds(p: *const u8, len: usize, tag: u8) -> bool {
    let mut expected = vec![0u8; len];
    // SAFETY: `expected` has `len` bytes; the caller passes a live block of at least `len`.
    unsafe {
        std::ptr::write_bytes(expected.as_mut_ptr(), tag, len);
        std::slice::from_raw_parts(p, len) == expected.as_slice()
    }
}

#[test]
fn allocations_are_aligned_distinct_and_reused_once_all_are_freed() {
    with_arena(ARENA_BYTES, 0, |a| unsafe {
        let p = a.alloc(layout(3, 1));
        let q = a.alloc(layout(8, 8));
        let r = a.alloc(layout(40, 16));
        assert!(a.offset(p).is_some() && a.offset(q).is_some() && a.offset(r).is_some());
        assert_eq!(q.addr() % 8, 0);
        assert_eq!(r.addr() % 16, 0);
        assert!(q.addr() >= p.addr() + 3 && r.addr() >= q.addr() + 8);
        a.dealloc(q, layout(8, 8));
        a.dealloc(p, layout(3, 1));
        assert_eq!(a.live, 1, "r is still alive: nothing is reused under it");
        assert!(a.top >= a.offset(r).unwrap() + 40);
        a.dealloc(r, layout(40, 16));
        assert_eq!(a.top, 0, "empty: starts over");
        let again = a.alloc(layout(3, 1));
        assert_eq!(again, p);
        a.dealloc(again, layout(3, 1));
    });
}

#[test]
fn the_latest_allocation_is_given_back_and_grown_in_place() {
    with_arena(ARENA_BYTES, 0, |a| unsafe {
        let keep = a.alloc(layout(16, 8));
        let tmp = a.alloc(layout(100, 8));
        a.dealloc(tmp, layout(100, 8));
        let tmp2 = a.alloc(layout(100, 8));
        assert_eq!(tmp2, tmp, "the freed top is reused");
        std::ptr::write_bytes(tmp2, 0x5A, 100);
        let grown = a.realloc(tmp2, layout(100, 8), 5000);
        assert_eq!(grown, tmp2, "the top block grows where it is");
        assert!(holds(grown, 100, 0x5A));
        std::ptr::write_bytes(grown, 0x5A, 5000);
        // A block that is not on top moves, and keeps its contents.
        std::ptr::write_bytes(keep, 0xAB, 16);
        let moved = a.realloc(keep, layout(16, 8), 64);
        assert_ne!(moved, keep);
        assert!(holds(moved, 16, 0xAB));
        assert!(
            holds(grown, 5000, 0x5A),
            "moving one block leaves the others alone"
        );
        a.dealloc(grown, layout(5000, 8));
        a.dealloc(moved, layout(64, 8));
        assert_eq!((a.live, a.top), (0, 0));
    });
}

#[test]
fn the_region_starts_over_only_when_nothing_in_it_is_alive() {
    with_arena(4096, 0, |a| unsafe {
        let first = a.alloc(layout(64, 8));
        let second = a.alloc(layout(64, 8));
        std::ptr::write_bytes(second, 2, 64);
        // Freeing the first block leaves a hole: the second is still alive above it.
        a.dealloc(first, layout(64, 8));
        let third = a.alloc(layout(64, 8));
        assert!(
            third.addr() >= second.addr() + 64,
            "nothing is placed over a live block"
        );
        std::ptr::write_bytes(third, 3, 64);
        assert!(holds(second, 64, 2));
        a.dealloc(second, layout(64, 8));
        assert_ne!(a.top, 0, "the third block is alive");
        assert!(holds(third, 64, 3));
        a.dealloc(third, layout(64, 8));
        assert_eq!(a.top, 0);
        assert_eq!(a.alloc(layout(64, 8)), first);
        a.dealloc(first, layout(64, 8));
    });
}

#[test]
fn what_does_not_fit_or_comes_while_inactive_goes_to_the_system_allocator() {
    with_arena(ARENA_BYTES, 0, |a| unsafe {
        a.set_active(false);
        let before = a.alloc(layout(32, 8));
        a.set_active(true);
        assert!(a.offset(before).is_none());
        let big = a.alloc(layout(ARENA_BYTES + 1, 8));
        assert!(!big.is_null() && a.offset(big).is_none());
        let small = a.alloc(layout(32, 8));
        assert!(a.offset(small).is_some());
        // Growing past the region moves the block to the system allocator.
        std::ptr::write_bytes(small, 7, 32);
        let out = a.realloc(small, layout(32, 8), ARENA_BYTES * 2);
        assert!(a.offset(out).is_none());
        assert!(holds(out, 32, 7));
        assert_eq!(a.live, 0);
        // A system block grows at the system allocator, never into the region.
        let out2 = a.realloc(out, layout(ARENA_BYTES * 2, 8), ARENA_BYTES * 3);
        assert!(a.offset(out2).is_none());
        assert!(holds(out2, 32, 7));
        a.set_active(false);
        let after = a.alloc(layout(32, 8));
        assert!(a.offset(after).is_none());
        for (p, l) in [
            (before, layout(32, 8)),
            (big, layout(ARENA_BYTES + 1, 8)),
            (out2, layout(ARENA_BYTES * 3, 8)),
            (after, layout(32, 8)),
        ] {
            a.dealloc(p, l);
        }
        assert_eq!((a.live, a.top), (0, 0));
    });
}

#[test]
fn alignments_up_to_a_page_are_honoured_from_an_unaligned_region() {
    with_arena(64 * 1024, 3, |a| unsafe {
        let mut blocks = Vec::new();
        for shift in 0..=12 {
            let l = layout(1 + shift * 5, 1 << shift);
            let p = a.alloc(l);
            assert!(a.offset(p).is_some(), "align {} fits", l.align());
            assert_eq!(p.addr() % l.align(), 0, "align {}", l.align());
            std::ptr::write_bytes(p, shift as u8, l.size());
            blocks.push((p, l));
        }
        for (i, &(p, l)) in blocks.iter().enumerate() {
            assert!(holds(p, l.size(), i as u8));
            a.dealloc(p, l);
        }
        assert_eq!((a.live, a.top), (0, 0));
    });
}

/// One step of a program run against the arena.
#[derive(Debug, Clone)]
enum Op {
    Alloc {
        size: usize,
        align_log: u8,
    },
    /// Frees the live block at this index (modulo the number of live blocks).
    Free(usize),
    /// Frees the block allocated last, if it is still alive.
    FreeLatest,
    Realloc(usize, usize),
    /// Reallocates the block allocated last: in place when it is on top and fits.
    ReallocLatest(usize),
    /// Sends new allocations to the system allocator, or back to the region.
    Toggle,
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 1usize..=64, 3 => 1usize..=2048, 1 => 2048usize..=(REGION + 4096)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (size(), prop_oneof![8 => 0u8..=4, 1 => 5u8..=12])
            .prop_map(|(size, align_log)| Op::Alloc { size, align_log }),
        3 => any::<usize>().prop_map(Op::Free),
        1 => Just(Op::FreeLatest),
        2 => (any::<usize>(), size()).prop_map(|(i, s)| Op::Realloc(i, s)),
        2 => size().prop_map(Op::ReallocLatest),
        1 => Just(Op::Toggle),
    ]
}

/// The region of the program tests: small, so that blocks overflow it regularly.
const REGION: usize = 16 * 1024;

/// Most blocks a program keeps alive at once.
const MAX_LIVE: usize = 40;

struct Block {
    ptr: *mut u8,
    layout: Layout,
    tag: u8,
    /// Allocation order (a block moved by `realloc` counts as a new allocation).
    seq: u64,
}

/// A program's state: the live blocks and what each one holds.
struct Run<'a> {
    a: &'a mut Arena,
    blocks: Vec<Block>,
    seq: u64,
}

impl Run<'_> {
    /// Where the next block of `l` goes in the region, as a pointer bump does it.
    fn expected_offset(&self, l: Layout) -> Option<usize> {
        if !self.a.active {
            return None;
        }
        let here = self.a.base.addr() + self.a.top;
        let at = here.next_multiple_of(l.align()) - self.a.base.addr();
        (at + l.size() <= self.a.len).then_some(at)
    }

    fn tag(&mut self) -> (u8, u64) {
        self.seq += 1;
        ((self.seq % 251) as u8 + 1, self.seq)
    }

    unsafe fn alloc(&mut self, l: Layout) {
        let expected = self.expected_offset(l);
        let p = unsafe { self.a.alloc(l) };
        assert!(!p.is_null());
        assert_eq!(
            self.a.offset(p),
            expected,
            "{l:?} placed as a bump allocator places it"
        );
        let (tag, seq) = self.tag();
        unsafe { std::ptr::write_bytes(p, tag, l.size()) };
        self.blocks.push(Block {
            ptr: p,
            layout: l,
            tag,
            seq,
        });
    }

    unsafe fn free(&mut self, i: usize) {
        let b = self.blocks.swap_remove(i);
        assert!(
            unsafe { holds(b.ptr, b.layout.size(), b.tag) },
            "block intact until freed"
        );
        let top = self.a.top;
        let at = self.a.offset(b.ptr);
        unsafe { self.a.dealloc(b.ptr, b.layout) };
        if let Some(at) = at {
            let alive = self.blocks.iter().any(|b| self.a.offset(b.ptr).is_some());
            let expected = if !alive {
                0
            } else if at + b.layout.size() == top {
                at
            } else {
                top
            };
            assert_eq!(self.a.top, expected, "top after freeing the block at {at}");
        }
    }

    unsafe fn realloc(&mut self, i: usize, size: usize) {
        let b = &self.blocks[i];
        let (old, l, tag) = (b.ptr, b.layout, b.tag);
        let at = self.a.offset(old);
        let in_place = at.is_some_and(|at| at + l.size() == self.a.top && at + size <= self.a.len);
        let new_layout = layout(size, l.align());
        let expected = match at {
            Some(at) if in_place => Some(at),
            Some(_) => self.expected_offset(new_layout),
            // A system block stays with the system allocator.
            None => None,
        };
        let p = unsafe { self.a.realloc(old, l, size) };
        assert!(!p.is_null());
        if in_place {
            assert_eq!(p, old, "the block on top is resized where it is");
        }
        assert_eq!(self.a.offset(p), expected, "{l:?} resized to {size}");
        assert!(
            unsafe { holds(p, l.size().min(size), tag) },
            "contents kept"
        );
        let (tag, seq) = self.tag();
        unsafe { std::ptr::write_bytes(p, tag, size) };
        let b = &mut self.blocks[i];
        b.ptr = p;
        b.layout = new_layout;
        b.tag = tag;
        if !in_place {
            b.seq = seq;
        }
    }

    fn latest(&self) -> Option<usize> {
        (0..self.blocks.len()).max_by_key(|&i| self.blocks[i].seq)
    }

    /// The arena's invariants, after every step.
    fn check(&self) {
        let mut owned: Vec<(usize, usize)> = Vec::new();
        for b in &self.blocks {
            assert_eq!(b.ptr.addr() % b.layout.align(), 0, "aligned");
            // SAFETY: live blocks; first and last bytes (the full check comes when freed).
            unsafe {
                assert_eq!(*b.ptr, b.tag, "first byte of a live block");
                assert_eq!(*b.ptr.add(b.layout.size() - 1), b.tag, "last byte");
            }
            if let Some(at) = self.a.offset(b.ptr) {
                owned.push((at, at + b.layout.size()));
            }
        }
        assert_eq!(self.a.live, owned.len(), "live count");
        owned.sort_unstable();
        for w in owned.windows(2) {
            assert!(w[0].1 <= w[1].0, "blocks overlap: {w:?}");
        }
        match owned.iter().map(|&(_, end)| end).max() {
            None => assert_eq!(self.a.top, 0, "nothing alive: the region starts over"),
            Some(end) => assert!(
                end <= self.a.top && self.a.top <= self.a.len,
                "top {} below a live block ending at {end}",
                self.a.top
            ),
        }
    }
}

/// Runs a program against an arena over a region of [`REGION`] bytes `skew` bytes past a
/// 16-byte boundary, checking the invariants after every step, then frees what is left.
fn run_program(skew: usize, ops: impl IntoIterator<Item = Op>) {
    with_arena(REGION, skew, |a| unsafe {
        let mut run = Run {
            a,
            blocks: Vec::new(),
            seq: 0,
        };
        for op in ops {
            match op {
                // A bounded number of live blocks keeps each step's checks cheap.
                Op::Alloc { size, .. } if run.blocks.len() >= MAX_LIVE => {
                    run.free(size % run.blocks.len())
                }
                Op::Alloc { size, align_log } => run.alloc(layout(size, 1 << align_log)),
                Op::Free(i) if !run.blocks.is_empty() => run.free(i % run.blocks.len()),
                Op::FreeLatest => {
                    if let Some(i) = run.latest() {
                        run.free(i);
                    }
                }
                Op::Realloc(i, size) if !run.blocks.is_empty() => {
                    run.realloc(i % run.blocks.len(), size)
                }
                Op::ReallocLatest(size) => {
                    if let Some(i) = run.latest() {
                        run.realloc(i, size);
                    }
                }
                Op::Toggle => {
                    let active = run.a.active;
                    run.a.set_active(!active);
                }
                _ => {}
            }
            run.check();
        }
        while !run.blocks.is_empty() {
            run.free(run.blocks.len() - 1);
        }
        run.check();
        assert_eq!((run.a.live, run.a.top), (0, 0));
    });
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Miri interprets proptest's own work too (a second per program): a few there; the
        // long program below gives Miri many more steps for less.
        cases: if cfg!(miri) { 4 } else { 512 },
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Interleaved allocations, frees and reallocations keep every block intact and
    /// apart, place blocks as a pointer bump does, grow the latest block in place, start the
    /// region over only when nothing is alive, and send what does not fit to the system
    /// allocator.
    #[test]
    fn random_programs_keep_the_arenas_invariants(
        skew in 0usize..16,
        ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 60 } else { 400 }),
    ) {
        run_program(skew, ops);
    }
}

/// One long program of the same steps, from a small deterministic generator: cheap to make,
/// so that Miri checks thousands of steps.
#[test]
fn a_long_program_keeps_the_arenas_invariants() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let size = |next: &mut dyn FnMut(usize) -> usize| match next(10) {
        0..=5 => 1 + next(64),
        6..=8 => 1 + next(2048),
        _ => 2048 + next(REGION + 2048),
    };
    let steps = if cfg!(miri) { 1_000 } else { 50_000 };
    let ops: Vec<Op> = (0..steps)
        .map(|_| match next(15) {
            0..=5 => Op::Alloc {
                size: size(&mut next),
                align_log: if next(9) == 0 {
                    5 + next(8) as u8
                } else {
                    next(5) as u8
                },
            },
            6..=8 => Op::Free(next(usize::MAX)),
            9 => Op::FreeLatest,
            10 | 11 => Op::Realloc(next(usize::MAX), size(&mut next)),
            12 | 13 => Op::ReallocLatest(size(&mut next)),
            _ => Op::Toggle,
        })
        .collect();
    run_program(3, ops);
}
