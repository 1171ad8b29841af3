//! How the CLI's global allocator asks a malloc family for memory: a plain block whenever
//! the family's blocks are aligned enough anyway, an aligned one otherwise.
//!
//! The family is mimalloc in the binary (`main.rs`). Its aligned entry points check the
//! alignment on every call (3% of the CLI's instructions), so plain blocks are used where
//! their alignment suffices. mimalloc is C, which Miri cannot run: the tests put a model of
//! its guarantee over the system allocator in its place — blocks aligned to exactly what the
//! guarantee promises and no more — so that this dispatch runs natively and under Miri
//! (`make miri`).

use std::alloc::{GlobalAlloc, Layout};

/// The entry points of a malloc family (mimalloc's names).
///
/// # Safety
/// Blocks from `malloc`, `zalloc` and `realloc` hold at least the size asked for and are
/// aligned to that size rounded down to a power of two, up to [`Malloc::BLOCK_ALIGN`] (a
/// block of 24 bytes is 16-byte aligned when `BLOCK_ALIGN` is 16, one of 4 bytes is 4-byte
/// aligned). The `_aligned` variants return blocks aligned to `align`. `zalloc*` blocks are
/// zeroed. `realloc*` keeps the contents up to the smaller size and accepts a block from
/// any entry point; `free` frees one from any entry point. All return null when out of
/// memory.
pub unsafe trait Malloc {
    /// The largest alignment plain blocks have (when they are at least that large).
    const BLOCK_ALIGN: usize;
    /// A plain block.
    ///
    /// # Safety
    /// `size` is not zero.
    unsafe fn malloc(&self, size: usize) -> *mut u8;
    /// A plain zeroed block.
    ///
    /// # Safety
    /// As [`Malloc::malloc`].
    unsafe fn zalloc(&self, size: usize) -> *mut u8;
    /// A block aligned to `align`.
    ///
    /// # Safety
    /// `size` is not zero, `align` is a power of two.
    unsafe fn malloc_aligned(&self, size: usize, align: usize) -> *mut u8;
    /// A zeroed block aligned to `align`.
    ///
    /// # Safety
    /// As [`Malloc::malloc_aligned`].
    unsafe fn zalloc_aligned(&self, size: usize, align: usize) -> *mut u8;
    /// `ptr`'s contents in a plain block of `size` bytes (`ptr` is freed).
    ///
    /// # Safety
    /// `ptr` is a live block of this family, `size` is not zero.
    unsafe fn realloc(&self, ptr: *mut u8, size: usize) -> *mut u8;
    /// `ptr`'s contents in a block of `size` bytes aligned to `align` (`ptr` is freed).
    ///
    /// # Safety
    /// As [`Malloc::realloc`], and `align` is a power of two.
    unsafe fn realloc_aligned(&self, ptr: *mut u8, size: usize, align: usize) -> *mut u8;
    /// Frees a block.
    ///
    /// # Safety
    /// `ptr` is a live block of this family.
    unsafe fn free(&self, ptr: *mut u8);
}

/// A [`GlobalAlloc`] over a malloc family.
pub struct Dispatch<M>(pub M);

impl<M: Malloc> Dispatch<M> {
    /// Whether a plain block of `size` bytes has the alignment `layout` asks for.
    fn plain(layout: Layout, size: usize) -> bool {
        layout.align() <= M::BLOCK_ALIGN && layout.align() <= size
    }
}

// SAFETY: plain blocks are only used for layouts whose alignment the family's contract
// gives every block of that size; everything else goes through the aligned entry points.
unsafe impl<M: Malloc> GlobalAlloc for Dispatch<M> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the family's functions have no preconditions on sizes and alignments.
        unsafe {
            if Self::plain(layout, layout.size()) {
                self.0.malloc(layout.size())
            } else {
                self.0.malloc_aligned(layout.size(), layout.align())
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe {
            if Self::plain(layout, layout.size()) {
                self.0.zalloc(layout.size())
            } else {
                self.0.zalloc_aligned(layout.size(), layout.align())
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { self.0.free(ptr) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator; the new block is plain only when a plain
        // block of the new size has the alignment.
        unsafe {
            if Self::plain(layout, new_size) {
                self.0.realloc(ptr, new_size)
            } else {
                self.0.realloc_aligned(ptr, new_size, layout.align())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::alloc::System;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// The contract of [`Malloc`] with `BLOCK_ALIGN = A` and nothing more, over the system
    /// allocator: every block is aligned to exactly what the contract promises and never to
    /// twice that, so that a block used with more alignment than promised is misaligned.
    /// It remembers each block's size and how it was allocated, so `free` needs no layout.
    /// `G` is the alignment it really gives plain blocks: `A` for an honest model.
    #[derive(Default)]
    struct Model<const A: usize, const G: usize> {
        blocks: RefCell<HashMap<usize, (*mut u8, Layout, usize)>>,
    }

    impl<const A: usize, const G: usize> Model<A, G> {
        /// What a plain block of `size` bytes is aligned to.
        fn natural(size: usize) -> usize {
            (1usize << (usize::BITS - 1 - size.leading_zeros())).min(G)
        }

        /// A block of `size` bytes aligned to `align` and not to `2 * align`.
        unsafe fn block(&self, size: usize, align: usize, zeroed: bool) -> *mut u8 {
            let outer = Layout::from_size_align(size + align, 2 * align).unwrap();
            // SAFETY: a valid, non-zero layout.
            let base = unsafe {
                if zeroed {
                    System.alloc_zeroed(outer)
                } else {
                    System.alloc(outer)
                }
            };
            assert!(!base.is_null());
            let p = base.wrapping_add(align);
            self.blocks
                .borrow_mut()
                .insert(p.addr(), (base, outer, size));
            p
        }

        unsafe fn resize(&self, ptr: *mut u8, size: usize, align: usize) -> *mut u8 {
            let old = self.blocks.borrow()[&ptr.addr()].2;
            // SAFETY: a fresh block of `size` bytes; `ptr` is live with `old` bytes.
            unsafe {
                let new = self.block(size, align, false);
                std::ptr::copy_nonoverlapping(ptr, new, old.min(size));
                self.free(ptr);
                new
            }
        }
    }

    // SAFETY: the contract, with `BLOCK_ALIGN = A` (kept when `G == A`; see `Model`).
    unsafe impl<const A: usize, const G: usize> Malloc for Model<A, G> {
        const BLOCK_ALIGN: usize = A;
        unsafe fn malloc(&self, size: usize) -> *mut u8 {
            unsafe { self.block(size, Self::natural(size), false) }
        }
        unsafe fn zalloc(&self, size: usize) -> *mut u8 {
            unsafe { self.block(size, Self::natural(size), true) }
        }
        unsafe fn malloc_aligned(&self, size: usize, align: usize) -> *mut u8 {
            unsafe { self.block(size, align, false) }
        }
        unsafe fn zalloc_aligned(&self, size: usize, align: usize) -> *mut u8 {
            unsafe { self.block(size, align, true) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, size: usize) -> *mut u8 {
            unsafe { self.resize(ptr, size, Self::natural(size)) }
        }
        unsafe fn realloc_aligned(&self, ptr: *mut u8, size: usize, align: usize) -> *mut u8 {
            unsafe { self.resize(ptr, size, align) }
        }
        unsafe fn free(&self, ptr: *mut u8) {
            let (base, outer, _) = self.blocks.borrow_mut().remove(&ptr.addr()).unwrap();
            // SAFETY: allocated by `block` with this layout.
            unsafe { System.dealloc(base, outer) }
        }
    }

    /// Whether `len` bytes at `p` all hold `tag` (memset and memcmp: single operations
    /// for Miri, not byte by byte).
    unsafe fn holds(p: *const u8, len: usize, tag: u8) -> bool {
        let mut expected = vec![0u8; len];
        // SAFETY: `expected` has `len` bytes; the caller passes a block of at least `len`.
        unsafe {
            std::ptr::write_bytes(expected.as_mut_ptr(), tag, len);
            std::slice::from_raw_parts(p, len) == expected.as_slice()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc {
            size: usize,
            align_log: u8,
            zeroed: bool,
        },
        Realloc(usize, usize),
        Free(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let size = prop_oneof![1usize..=32, 1usize..=5000];
        prop_oneof![
            3 => (size.clone(), 0u8..=12, any::<bool>())
                .prop_map(|(size, align_log, zeroed)| Op::Alloc { size, align_log, zeroed }),
            2 => (any::<usize>(), size).prop_map(|(i, s)| Op::Realloc(i, s)),
            2 => any::<usize>().prop_map(Op::Free),
        ]
    }

    /// Runs a program through `Dispatch` over a model; the first block that is misaligned,
    /// not zeroed or not kept across `realloc` is the error.
    fn run<const A: usize, const G: usize>(ops: &[Op]) -> Result<(), String> {
        let alloc = Dispatch(Model::<A, G>::default());
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut result = Ok(());
        for (n, op) in ops.iter().enumerate() {
            let tag = (n % 250) as u8 + 1;
            // SAFETY: every block is used within its layout and freed once.
            unsafe {
                let (p, l, kept) = match *op {
                    Op::Alloc {
                        size,
                        align_log,
                        zeroed,
                    } => {
                        let l = Layout::from_size_align(size, 1 << align_log).unwrap();
                        let p = if zeroed {
                            alloc.alloc_zeroed(l)
                        } else {
                            alloc.alloc(l)
                        };
                        if zeroed && !holds(p, size, 0) {
                            result = Err(format!("{l:?}: not zeroed"));
                        }
                        live.push((p, l, tag));
                        (p, l, None)
                    }
                    Op::Realloc(i, size) if !live.is_empty() => {
                        let i = i % live.len();
                        let (old, l, old_tag) = live[i];
                        let p = alloc.realloc(old, l, size);
                        let kept = size.min(l.size());
                        let l = Layout::from_size_align(size, l.align()).unwrap();
                        live[i] = (p, l, tag);
                        (p, l, Some((old_tag, kept)))
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let (p, l, _) = live.swap_remove(i % live.len());
                        alloc.dealloc(p, l);
                        continue;
                    }
                    _ => continue,
                };
                if let Some((old_tag, n)) = kept
                    && !holds(p, n, old_tag)
                {
                    result = Err(format!("{l:?}: contents lost by realloc"));
                }
                if p.addr() % l.align() != 0 {
                    result = Err(format!("{l:?}: block at {:#x} is misaligned", p.addr()));
                }
                if result.is_err() {
                    break;
                }
                std::ptr::write_bytes(p, tag, l.size());
            }
        }
        for (p, l, _) in live {
            // SAFETY: live blocks of this allocator.
            unsafe { alloc.dealloc(p, l) };
        }
        assert!(alloc.0.blocks.borrow().is_empty(), "every block freed");
        result
    }

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: if cfg!(miri) { 8 } else { 512 },
            failure_persistence: None,
            rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config())]

        /// mimalloc's `BLOCK_ALIGN` (16): every layout up to a 4096-byte alignment gets a
        /// block aligned as asked, zeroed when asked, kept across `realloc`.
        #[test]
        fn every_block_has_the_alignment_its_layout_asks_for(
            ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 200 })
        ) {
            prop_assert_eq!(run::<16, 16>(&ops), Ok(()));
        }
    }

    #[test]
    fn a_family_that_promises_more_than_it_gives_is_caught() {
        // Plain blocks of 32 bytes and more aligned to 16 only, while the family claims 32:
        // a 32-byte alignment served by a plain block is found misaligned.
        let ops = [Op::Alloc {
            size: 64,
            align_log: 5,
            zeroed: false,
        }];
        assert!(run::<32, 16>(&ops).unwrap_err().contains("misaligned"));
        assert_eq!(run::<16, 16>(&ops), Ok(()));
        // Shrinking an 8-aligned block to 4 bytes: a plain 4-byte block is only 4-byte
        // aligned, so the dispatch asks for an aligned one.
        let ops = [
            Op::Alloc {
                size: 8,
                align_log: 3,
                zeroed: false,
            },
            Op::Realloc(0, 4),
        ];
        assert_eq!(run::<16, 16>(&ops), Ok(()));
    }
}
