;; The batch kernel's cell loop in WebAssembly with 128-bit SIMD (two f64 lanes): the key
;; vector `pre[c] = pre[c] + q₁·u₁[c] + q₂·u₂[c] + q₃·u₃[c] + q₄·u₄[c]` over a run of one key's
;; positions, evaluated left to right per cell, four positions at a time, then one at a time
;; (engine/key-vectors.ts does the same additions in the same order in JavaScript, so both give
;; the same bits: IEEE-754 f64 mul and add, no fused multiply-add, lanes independent).
;;
;; Source of src/engine/key-vectors-simd-wasm.ts (`npm run wasm:build`, wabt's wat2wasm;
;; test/engine/key-vectors-simd.test.ts checks that rebuilding gives the committed bytes).
;; All addresses are byte offsets into the exported memory, laid out by key-vectors-simd.ts.
(module
  (memory (export "memory") 1)

  ;; addRun(pre, unit, stride, rows, sizes, n, first): for j in 0..n (in order), adds
  ;; sizes[j] · unit row rows[j] (stride cells each, at unit + rows[j]·stride·8) into the
  ;; `stride` cells at `pre`; `first` ≠ 0 starts `pre` at +0 (0 + q·u: the same bits as JS's
  ;; q·u + 0). rows: i32 row indices; sizes: f64. Cells go in pairs, an odd last cell alone.
  (func (export "addRun")
    (param $pre i32) (param $unit i32) (param $stride i32)
    (param $rows i32) (param $sizes i32) (param $n i32) (param $first i32)
    (local $bytes i32) (local $pairs i32) (local $j i32) (local $c i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $q0 f64) (local $q1 f64) (local $q2 f64) (local $q3 f64)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $pairs (i32.and (local.get $bytes) (i32.const -16)))
    (if (local.get $first)
      (then (memory.fill (local.get $pre) (i32.const 0) (local.get $bytes))))
    ;; Four positions at a time: one load and one store of each pair of `pre` per four.
    (block $done4
      (loop $four
        (br_if $done4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (local.set $r0 (call $rowAt (local.get $unit) (local.get $rows) (local.get $j) (local.get $bytes)))
        (local.set $r1 (call $rowAt (local.get $unit) (local.get $rows) (i32.add (local.get $j) (i32.const 1)) (local.get $bytes)))
        (local.set $r2 (call $rowAt (local.get $unit) (local.get $rows) (i32.add (local.get $j) (i32.const 2)) (local.get $bytes)))
        (local.set $r3 (call $rowAt (local.get $unit) (local.get $rows) (i32.add (local.get $j) (i32.const 3)) (local.get $bytes)))
        (local.set $q0 (call $sizeAt (local.get $sizes) (local.get $j)))
        (local.set $q1 (call $sizeAt (local.get $sizes) (i32.add (local.get $j) (i32.const 1))))
        (local.set $q2 (call $sizeAt (local.get $sizes) (i32.add (local.get $j) (i32.const 2))))
        (local.set $q3 (call $sizeAt (local.get $sizes) (i32.add (local.get $j) (i32.const 3))))
        (local.set $v0 (f64x2.splat (local.get $q0)))
        (local.set $v1 (f64x2.splat (local.get $q1)))
        (local.set $v2 (f64x2.splat (local.get $q2)))
        (local.set $v3 (f64x2.splat (local.get $q3)))
        (local.set $c (i32.const 0))
        (block $cellsDone
          (loop $cells
            (br_if $cellsDone (i32.ge_u (local.get $c) (local.get $pairs)))
            (v128.store (i32.add (local.get $pre) (local.get $c))
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (f64x2.add
                      (v128.load (i32.add (local.get $pre) (local.get $c)))
                      (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $c)))))
                    (f64x2.mul (local.get $v1) (v128.load (i32.add (local.get $r1) (local.get $c)))))
                  (f64x2.mul (local.get $v2) (v128.load (i32.add (local.get $r2) (local.get $c)))))
                (f64x2.mul (local.get $v3) (v128.load (i32.add (local.get $r3) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cells)))
        (if (i32.lt_u (local.get $pairs) (local.get $bytes))
          (then
            (f64.store (i32.add (local.get $pre) (local.get $pairs))
              (f64.add
                (f64.add
                  (f64.add
                    (f64.add
                      (f64.load (i32.add (local.get $pre) (local.get $pairs)))
                      (f64.mul (local.get $q0) (f64.load (i32.add (local.get $r0) (local.get $pairs)))))
                    (f64.mul (local.get $q1) (f64.load (i32.add (local.get $r1) (local.get $pairs)))))
                  (f64.mul (local.get $q2) (f64.load (i32.add (local.get $r2) (local.get $pairs)))))
                (f64.mul (local.get $q3) (f64.load (i32.add (local.get $r3) (local.get $pairs))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $four)))
    ;; The remaining positions one at a time.
    (block $done1
      (loop $one
        (br_if $done1 (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $r0 (call $rowAt (local.get $unit) (local.get $rows) (local.get $j) (local.get $bytes)))
        (local.set $q0 (call $sizeAt (local.get $sizes) (local.get $j)))
        (local.set $v0 (f64x2.splat (local.get $q0)))
        (local.set $c (i32.const 0))
        (block $cellsDone1
          (loop $cells1
            (br_if $cellsDone1 (i32.ge_u (local.get $c) (local.get $pairs)))
            (v128.store (i32.add (local.get $pre) (local.get $c))
              (f64x2.add
                (v128.load (i32.add (local.get $pre) (local.get $c)))
                (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cells1)))
        (if (i32.lt_u (local.get $pairs) (local.get $bytes))
          (then
            (f64.store (i32.add (local.get $pre) (local.get $pairs))
              (f64.add
                (f64.load (i32.add (local.get $pre) (local.get $pairs)))
                (f64.mul (local.get $q0) (f64.load (i32.add (local.get $r0) (local.get $pairs))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $one))))

  ;; Byte address of row rows[j] of the unit table: unit + rows[j] · bytes.
  (func $rowAt (param $unit i32) (param $rows i32) (param $j i32) (param $bytes i32) (result i32)
    (i32.add (local.get $unit)
      (i32.mul
        (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2))))
        (local.get $bytes))))

  ;; sizes[j] (f64).
  (func $sizeAt (param $sizes i32) (param $j i32) (result f64)
    (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $j) (i32.const 3)))))
)
