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
//! natively and under Miri (`src/arena/tests.rs`, `tests/arena_global.rs`: `make miri`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Smallest size of the region (it is usually the rest of the initial memory, about 1.2 MB:
/// see `build.rs`). The seed's Task takes about 20 KB of it at its highest, request included,
/// large Konflux Tasks a few hundred. Pages never touched cost nothing.
pub const ARENA_BYTES: usize = 1 << 20;

/// The bump region and its bookkeeping. Blocks are offsets into the region, handed out as
/// pointers derived from `base`, so that they carry the region's provenance (Miri checks
/// every access against it: `make miri`).
pub struct Arena {
    /// Start of the region; null until [`Arena::init`].
    base: *mut u8,
    /// Size of the region.
    len: usize,
    /// Offset of the first byte not handed out.
    top: usize,
    /// Allocations in the region not yet freed.
    live: usize,
    /// Whether new allocations should come from the region.
    active: bool,
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            base: std::ptr::null_mut(),
            len: 0,
            top: 0,
            live: 0,
            active: false,
        }
    }

    /// Where `ptr` sits in the region, if it is one of the region's blocks.
    fn offset(&self, ptr: *mut u8) -> Option<usize> {
        let at = ptr.addr().wrapping_sub(self.base.addr());
        (at < self.len).then_some(at)
    }

    /// Gives the arena its region. Until then (or with an empty region) every allocation
    /// goes to the system allocator.
    ///
    /// # Safety
    /// `base..base + len` must be writable memory used by nothing else, for as long as the
    /// arena or any block from it lives.
    pub unsafe fn init(&mut self, base: *mut u8, len: usize) {
        debug_assert!(self.live == 0);
        self.base = base;
        self.len = len;
        self.top = 0;
    }

    /// Routes new allocations to the region or back to the system allocator.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }

    /// # Safety
    /// As [`GlobalAlloc::alloc`].
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        if self.active {
            // Padding that aligns the address of `top` (the region itself may be less aligned).
            let pad = self.base.addr().wrapping_add(self.top).wrapping_neg() & (layout.align() - 1);
            if let Some(at) = self.top.checked_add(pad)
                && let Some(next) = at.checked_add(layout.size())
                && next <= self.len
            {
                self.top = next;
                self.live += 1;
                return self.base.wrapping_add(at);
            }
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    /// # Safety
    /// As [`GlobalAlloc::dealloc`].
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        let Some(at) = self.offset(ptr) else {
            // SAFETY: not ours, so the system allocator's.
            return unsafe { System.dealloc(ptr, layout) };
        };
        self.live -= 1;
        if self.live == 0 {
            self.top = 0;
        } else if at + layout.size() == self.top {
            self.top = at;
        }
    }

    /// # Safety
    /// As [`GlobalAlloc::realloc`].
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(at) = self.offset(ptr) else {
            // SAFETY: not ours, so the system allocator's; it keeps it there.
            return unsafe { System.realloc(ptr, layout, new_size) };
        };
        if at + layout.size() == self.top
            && let Some(end) = at.checked_add(new_size)
            && end <= self.len
        {
            // The latest allocation: grow or shrink it where it is.
            self.top = end;
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

// SAFETY: only registered as the global allocator on single-threaded wasm32 (see lib.rs) and
// in `tests/arena_global.rs`, a program that never starts a thread.
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
            if arena.base.is_null() {
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
mod tests;
