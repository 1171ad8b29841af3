//! A call-scoped bump allocator for the Wasm build.
//!
//! policy-server runs every admission request in a fresh instance and throws it away, and
//! on a warm instance everything a call allocates is freed by the time the response has been
//! handed to the host. General-purpose `malloc`/`free` bookkeeping is wasted on that pattern:
//! it was about a sixth of `validate`'s time in the waPC runtime. Once the instance is
//! initialised, allocations come from one region instead: a pointer bump to allocate, a
//! counter to free (the latest allocation is given back at once, so short-lived buffers are
//! reused), a growing buffer that is the latest allocation is extended in place, and the
//! region starts over as soon as nothing in it is alive.
//!
//! Anything that does not fit, and what `wapc_init` allocates (waPC's table of functions,
//! kept for the instance's life), goes to the system allocator, so a huge object only makes
//! the arena overflow, never fail. Nothing here is specific to Wasm except the global
//! registration (`wasm32` without threads) and the size of the region; the logic is tested
//! natively.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Smallest size of the region (it is usually the rest of the initial memory, about 1.2 MB:
/// see `build.rs`). The seed's Task takes about 20 KB of it at its highest, request included,
/// large Konflux Tasks a few hundred. Pages never touched cost nothing.
pub const ARENA_BYTES: usize = 1 << 20;

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

/// The global allocator of the Wasm build: an [`Arena`] behind a cell. Sound only where there
/// is one thread, which is what `wasm32` without the `atomics` feature guarantees.
///
/// Until [`RequestArena::start`], everything goes to the system allocator: that is what the
/// instance keeps for its whole life (waPC's table of functions). From then on, every call
/// (waPC's copy of the request, the policy's work, the response) allocates in the region and
/// has freed everything by the time it returns, so the region starts over for the next one.
///
/// The region is not a static. A megabyte of zeroed statics would sit among the module's
/// small statics and push those after it onto pages of their own, and every page a fresh
/// instance touches is a page fault (one to two microseconds each where the benchmark runs).
/// Taken from the system allocator right after waPC's table, it starts on a page that is
/// already touched, and it runs to the end of the initial memory (`build.rs`), so the
/// allocator's own bookkeeping after it falls on the last page, which is touched anyway.
pub struct RequestArena {
    arena: UnsafeCell<Arena>,
}

// SAFETY: only registered as the global allocator on single-threaded wasm32 (see lib.rs).
unsafe impl Sync for RequestArena {}

impl RequestArena {
    pub const fn new() -> RequestArena {
        RequestArena {
            arena: UnsafeCell::new(Arena::new()),
        }
    }

    /// Writes the allocator's state before anything reads it. In a fresh instance its page
    /// belongs to the module's data image: read first, it would be mapped for reading and
    /// then copied at the first write, two page faults; written first, it is copied at once.
    pub fn touch(&self) {
        // SAFETY: single-threaded; before `start` the flag is false.
        unsafe { std::ptr::write_volatile(&raw mut (*self.arena.get()).active, false) }
    }

    /// Takes the region (once) and sends every later allocation to it.
    pub fn start(&self) {
        // SAFETY: single-threaded, and no reference to the arena outlives these statements;
        // the region is never freed and belongs to this arena alone.
        unsafe {
            let arena = &mut *self.arena.get();
            if arena.end == 0 {
                let (region, len) = take_region();
                if !region.is_null() {
                    arena.init(region, len);
                }
            }
            arena.set_active(true);
        }
    }
}

/// What the system allocator keeps free after the region: its own bookkeeping at the end of
/// memory, with room to spare.
#[cfg(target_arch = "wasm32")]
const TOP_RESERVE: usize = 1024;

/// A region from the system allocator: a small block at the top of its heap, grown in place
/// to the end of the initial memory when that leaves a useful size, else to `ARENA_BYTES`.
///
/// # Safety
/// The system allocator must be usable.
unsafe fn take_region() -> (*mut u8, usize) {
    // SAFETY: a valid layout, and the caller's guarantee.
    unsafe {
        let probe_layout = Layout::from_size_align_unchecked(16, 16);
        let probe = System.alloc(probe_layout);
        if probe.is_null() {
            return (std::ptr::null_mut(), 0);
        }
        let len = initial_room(probe as usize)
            .filter(|&n| n >= ARENA_BYTES / 2)
            .unwrap_or(ARENA_BYTES);
        let region = System.realloc(probe, probe_layout, len);
        if region.is_null() {
            System.dealloc(probe, probe_layout);
            return (std::ptr::null_mut(), 0);
        }
        (region, len)
    }
}

/// Bytes from `start` to the end of the current linear memory, less `TOP_RESERVE`.
#[cfg(target_arch = "wasm32")]
fn initial_room(start: usize) -> Option<usize> {
    let end = core::arch::wasm32::memory_size(0) * 65536;
    end.checked_sub(start)?.checked_sub(TOP_RESERVE)
}

#[cfg(not(target_arch = "wasm32"))]
fn initial_room(_start: usize) -> Option<usize> {
    None
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
    fn what_does_not_fit_or_comes_while_inactive_goes_to_the_system_allocator() {
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
