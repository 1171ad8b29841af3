//! A request-scoped bump allocator for the Wasm build.
//!
//! policy-server runs every admission request in a fresh instance and throws it away, and
//! on a warm instance everything `validate` allocates is freed by the time the response has
//! been handed to the host. General-purpose `malloc`/`free` bookkeeping is wasted on that
//! pattern: it was about a sixth of `validate`'s time in the waPC runtime. While `validate`
//! runs, allocations come from one region instead: a pointer bump to allocate, a counter to
//! free (the latest allocation is given back at once, so short-lived buffers are reused), a
//! growing buffer that is the latest allocation is extended in place, and the region starts
//! over as soon as nothing in it is alive.
//!
//! Anything that does not fit, and everything outside `validate` (waPC's own tables, the
//! request buffer), goes to the system allocator, so a huge object only makes the arena
//! overflow, never fail. Nothing here is specific to Wasm except the global registration
//! (`wasm32` without threads); the logic is tested natively.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Size of the region. The seed's Task allocates about 70 KB in total, large Konflux Tasks a
/// few hundred. It is zero-initialised static memory: part of the module's initial memory,
/// so no `memory.grow`, and pages never touched cost nothing.
const ARENA_BYTES: usize = 1 << 20;

/// The bump region and its bookkeeping.
pub struct Arena {
    start: usize,
    end: usize,
    top: usize,
    /// Allocations in the region not yet freed.
    live: usize,
    /// Whether new allocations should come from the region.
    active: bool,
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            start: 0,
            end: 0,
            top: 0,
            live: 0,
            active: false,
        }
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        (self.start..self.end).contains(&(ptr as usize))
    }

    /// Gives the arena its region. Until then (or with an empty region) every allocation
    /// goes to the system allocator.
    ///
    /// # Safety
    /// `base..base + len` must be writable memory used by nothing else, for as long as the
    /// arena or any block from it lives.
    pub unsafe fn init(&mut self, base: *mut u8, len: usize) {
        debug_assert!(self.live == 0);
        self.start = base as usize;
        self.top = self.start;
        self.end = self.start + len;
    }

    /// Routes new allocations to the region or back to the system allocator.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }

    /// # Safety
    /// As [`GlobalAlloc::alloc`].
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        if self.active {
            let at = (self.top + layout.align() - 1) & !(layout.align() - 1);
            if let Some(next) = at.checked_add(layout.size())
                && next <= self.end
            {
                self.top = next;
                self.live += 1;
                return at as *mut u8;
            }
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    /// # Safety
    /// As [`GlobalAlloc::dealloc`].
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: not ours, so the system allocator's.
            return unsafe { System.dealloc(ptr, layout) };
        }
        self.live -= 1;
        if self.live == 0 {
            self.top = self.start;
        } else if ptr as usize + layout.size() == self.top {
            self.top = ptr as usize;
        }
    }

    /// # Safety
    /// As [`GlobalAlloc::realloc`].
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(ptr) {
            // SAFETY: not ours, so the system allocator's; it keeps it there.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let at = ptr as usize;
        if at + layout.size() == self.top && at + new_size <= self.end {
            // The latest allocation: grow or shrink it where it is.
            self.top = at + new_size;
            return ptr;
        }
        // SAFETY: the caller guarantees a valid layout for the new size.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as above.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller size and do not overlap (the new
            // one is either above the old one's end or from the system allocator).
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

impl Default for Arena {
    fn default() -> Self {
        Arena::new()
    }
}

/// The global allocator of the Wasm build: an [`Arena`] and its region behind cells. Sound
/// only where there is one thread, which is what `wasm32` without the `atomics` feature
/// guarantees.
#[repr(C, align(16))]
pub struct RequestArena {
    arena: UnsafeCell<Arena>,
    region: UnsafeCell<[u8; ARENA_BYTES]>,
}

// SAFETY: only registered as the global allocator on single-threaded wasm32 (see lib.rs).
unsafe impl Sync for RequestArena {}

impl RequestArena {
    pub const fn new() -> RequestArena {
        RequestArena {
            arena: UnsafeCell::new(Arena::new()),
            region: UnsafeCell::new([0; ARENA_BYTES]),
        }
    }

    /// Runs `f` with its allocations in the arena.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: single-threaded, and no reference to the arena outlives these statements;
        // the region belongs to this arena alone.
        unsafe {
            let arena = &mut *self.arena.get();
            if arena.end == 0 {
                arena.init(self.region.get().cast(), ARENA_BYTES);
            }
            arena.set_active(true);
        }
        let out = f();
        // SAFETY: as above.
        unsafe { (*self.arena.get()).set_active(false) };
        out
    }
}

impl Default for RequestArena {
    fn default() -> Self {
        RequestArena::new()
    }
}

// SAFETY: forwards to `Arena`, whose methods uphold the `GlobalAlloc` contract.
unsafe impl GlobalAlloc for RequestArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.arena.get()).alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.arena.get()).dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.arena.get()).realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    /// An active arena over a fresh region (leaked: tests are short).
    fn arena() -> Arena {
        let region: &'static mut [u128] = vec![0u128; ARENA_BYTES / 16].leak();
        let mut a = Arena::new();
        unsafe { a.init(region.as_mut_ptr().cast(), ARENA_BYTES) };
        a.set_active(true);
        a
    }

    #[test]
    fn allocations_are_aligned_distinct_and_reused_once_all_are_freed() {
        let mut a = arena();
        unsafe {
            let p = a.alloc(layout(3, 1));
            let q = a.alloc(layout(8, 8));
            let r = a.alloc(layout(40, 16));
            assert!(a.owns(p) && a.owns(q) && a.owns(r));
            assert_eq!(q as usize % 8, 0);
            assert_eq!(r as usize % 16, 0);
            assert!(q as usize >= p as usize + 3 && r as usize >= q as usize + 8);
            a.dealloc(q, layout(8, 8));
            a.dealloc(p, layout(3, 1));
            assert_eq!(a.live, 1, "r is still alive: nothing is reused under it");
            a.dealloc(r, layout(40, 16));
            assert_eq!(a.top, a.start, "empty: starts over");
            assert_eq!(a.alloc(layout(3, 1)), p);
        }
    }

    #[test]
    fn the_latest_allocation_is_given_back_and_grown_in_place() {
        let mut a = arena();
        unsafe {
            let keep = a.alloc(layout(16, 8));
            let tmp = a.alloc(layout(100, 8));
            a.dealloc(tmp, layout(100, 8));
            assert_eq!(a.alloc(layout(100, 8)), tmp, "the freed top is reused");
            let grown = a.realloc(tmp, layout(100, 8), 5000);
            assert_eq!(grown, tmp, "the top block grows where it is");
            // A block that is not on top moves, and keeps its contents.
            std::ptr::write_bytes(keep, 0xAB, 16);
            let moved = a.realloc(keep, layout(16, 8), 64);
            assert_ne!(moved, keep);
            assert_eq!(std::slice::from_raw_parts(moved, 16), &[0xAB; 16]);
        }
    }

    #[test]
    fn what_does_not_fit_or_comes_outside_a_scope_goes_to_the_system_allocator() {
        let mut a = arena();
        a.set_active(false);
        unsafe {
            let before = a.alloc(layout(32, 8));
            a.set_active(true);
            assert!(!a.owns(before));
            let big = a.alloc(layout(ARENA_BYTES + 1, 8));
            assert!(!big.is_null() && !a.owns(big));
            let small = a.alloc(layout(32, 8));
            assert!(a.owns(small));
            // Growing past the region moves the block to the system allocator.
            std::ptr::write_bytes(small, 7, 32);
            let out = a.realloc(small, layout(32, 8), ARENA_BYTES * 2);
            assert!(!a.owns(out));
            assert_eq!(std::slice::from_raw_parts(out, 32), &[7; 32]);
            assert_eq!(a.live, 0);
            a.set_active(false);
            let after = a.alloc(layout(32, 8));
            assert!(!a.owns(after));
            for (p, l) in [
                (before, layout(32, 8)),
                (big, layout(ARENA_BYTES + 1, 8)),
                (out, layout(ARENA_BYTES * 2, 8)),
                (after, layout(32, 8)),
            ] {
                a.dealloc(p, l);
            }
        }
    }

    #[test]
    fn random_programs_keep_every_block_intact() {
        // A small deterministic generator: no dependency for one test.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut a = arena();
        let mut blocks: Vec<(*mut u8, Layout, u8)> = Vec::new();
        unsafe {
            for step in 0..20_000u32 {
                let tag = (step % 251) as u8;
                match next(4) {
                    0 | 1 => {
                        let l = layout(1 + next(300) as usize, 1 << next(5));
                        let p = a.alloc(l);
                        std::ptr::write_bytes(p, tag, l.size());
                        blocks.push((p, l, tag));
                    }
                    2 if !blocks.is_empty() => {
                        let (p, l, t) = blocks.swap_remove(next(blocks.len() as u64) as usize);
                        assert!(
                            std::slice::from_raw_parts(p, l.size())
                                .iter()
                                .all(|&b| b == t)
                        );
                        a.dealloc(p, l);
                    }
                    3 if !blocks.is_empty() => {
                        let i = next(blocks.len() as u64) as usize;
                        let (p, l, t) = blocks[i];
                        let size = 1 + next(600) as usize;
                        let q = a.realloc(p, l, size);
                        let kept = l.size().min(size);
                        assert!(std::slice::from_raw_parts(q, kept).iter().all(|&b| b == t));
                        std::ptr::write_bytes(q, tag, size);
                        blocks[i] = (q, layout(size, l.align()), tag);
                    }
                    _ => {}
                }
            }
            for (p, l, t) in blocks.drain(..) {
                assert!(
                    std::slice::from_raw_parts(p, l.size())
                        .iter()
                        .all(|&b| b == t)
                );
                a.dealloc(p, l);
            }
            assert_eq!((a.live, a.top), (0, a.start));
        }
    }
}
