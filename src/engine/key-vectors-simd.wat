;; The batch kernel's cell loop in WebAssembly with 128-bit SIMD (two f64 lanes): the key
;; vector `pre[c] = pre[c] + q₁·u₁[c] + q₂·u₂[c] + q₃·u₃[c] + q₄·u₄[c]` over a run of one key's
;; positions, evaluated left to right per cell, four positions at a time, then two, then one
;; (engine/key-vectors.ts does the same additions in the same order in JavaScript, so both give
;; the same bits: IEEE-754 f64 mul and add, no fused multiply-add, lanes independent).
;;
;; Second export, `marginBlock`: the pinned kernel's whole pipeline to the results for a block
;; of one-key, one-pool accounts (below; laid out by account-block-simd.ts). Functions are
;; inlined by hand in the hot loops: Node 20's V8 does not inline WebAssembly calls (its
;; --experimental-wasm-inlining was worth ~20 % here before the hand inlining). The sums and
;; the worst case read the block's addresses from locals (`$_name`, copies of the globals).
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
  ;; Positions four at a time, then two, then one: one pass over `pre` per group, and the
  ;; first pass reads +0 (`pre` masked with `keep` = 0) instead of a cleared `pre`; grouping
  ;; consecutive positions keeps every addition and its order, so the same bits.
  (func $addRun (export "addRun")
    (param $pre i32) (param $unit i32) (param $stride i32)
    (param $rows i32) (param $sizes i32) (param $n i32) (param $first i32)
    (local $bytes i32) (local $pairs i32) (local $j i32) (local $c i32) (local $keepS i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $q0 f64) (local $q1 f64) (local $q2 f64) (local $q3 f64)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $keep v128)
    (local.set $bytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $pairs (i32.and (local.get $bytes) (i32.const -16)))
    ;; an empty run still starts `pre` at +0
    (if (i32.and (i32.ne (local.get $first) (i32.const 0)) (i32.le_s (local.get $n) (i32.const 0)))
      (then (memory.fill (local.get $pre) (i32.const 0) (local.get $bytes))))
    (local.set $keepS (i32.eqz (local.get $first)))
    (local.set $keep (select (result v128) (v128.const i64x2 -1 -1) (v128.const i64x2 0 0) (local.get $keepS)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (local.set $r0 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2)))) (local.get $bytes))))
        (local.set $r1 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))) (local.get $bytes))))
        (local.set $r2 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 2)))) (local.get $bytes))))
        (local.set $r3 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 2)))) (local.get $bytes))))
        (local.set $q0 (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $q1 (f64.load (i32.add (local.get $sizes) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))
        (local.set $q2 (f64.load (i32.add (local.get $sizes) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))
        (local.set $q3 (f64.load (i32.add (local.get $sizes) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3)))))
        (local.set $v0 (f64x2.splat (local.get $q0)))
        (local.set $v1 (f64x2.splat (local.get $q1)))
        (local.set $v2 (f64x2.splat (local.get $q2)))
        (local.set $v3 (f64x2.splat (local.get $q3)))
        (local.set $c (i32.const 0))
        (block $cellsDone4
          (loop $cells4
            (br_if $cellsDone4 (i32.ge_u (local.get $c) (local.get $pairs)))
            (v128.store (i32.add (local.get $pre) (local.get $c))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.add (v128.and (v128.load (i32.add (local.get $pre) (local.get $c))) (local.get $keep)) (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $c))))) (f64x2.mul (local.get $v1) (v128.load (i32.add (local.get $r1) (local.get $c))))) (f64x2.mul (local.get $v2) (v128.load (i32.add (local.get $r2) (local.get $c))))) (f64x2.mul (local.get $v3) (v128.load (i32.add (local.get $r3) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cells4)))
        (if (i32.lt_u (local.get $pairs) (local.get $bytes))
          (then
            (f64.store (i32.add (local.get $pre) (local.get $pairs))
              (f64.add (f64.add (f64.add (f64.add (select (f64.load (i32.add (local.get $pre) (local.get $pairs))) (f64.const 0) (local.get $keepS)) (f64.mul (local.get $q0) (f64.load (i32.add (local.get $r0) (local.get $pairs))))) (f64.mul (local.get $q1) (f64.load (i32.add (local.get $r1) (local.get $pairs))))) (f64.mul (local.get $q2) (f64.load (i32.add (local.get $r2) (local.get $pairs))))) (f64.mul (local.get $q3) (f64.load (i32.add (local.get $r3) (local.get $pairs))))))))
        (local.set $keep (v128.const i64x2 -1 -1))
        (local.set $keepS (i32.const 1))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $four)))
    (if (i32.le_s (i32.add (local.get $j) (i32.const 2)) (local.get $n))
      (then
        (local.set $r0 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2)))) (local.get $bytes))))
        (local.set $r1 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))) (local.get $bytes))))
        (local.set $q0 (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $q1 (f64.load (i32.add (local.get $sizes) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))
        (local.set $v0 (f64x2.splat (local.get $q0)))
        (local.set $v1 (f64x2.splat (local.get $q1)))
        (local.set $c (i32.const 0))
        (block $cellsDone2
          (loop $cells2
            (br_if $cellsDone2 (i32.ge_u (local.get $c) (local.get $pairs)))
            (v128.store (i32.add (local.get $pre) (local.get $c))
              (f64x2.add (f64x2.add (v128.and (v128.load (i32.add (local.get $pre) (local.get $c))) (local.get $keep)) (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $c))))) (f64x2.mul (local.get $v1) (v128.load (i32.add (local.get $r1) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cells2)))
        (if (i32.lt_u (local.get $pairs) (local.get $bytes))
          (then
            (f64.store (i32.add (local.get $pre) (local.get $pairs))
              (f64.add (f64.add (select (f64.load (i32.add (local.get $pre) (local.get $pairs))) (f64.const 0) (local.get $keepS)) (f64.mul (local.get $q0) (f64.load (i32.add (local.get $r0) (local.get $pairs))))) (f64.mul (local.get $q1) (f64.load (i32.add (local.get $r1) (local.get $pairs))))))))
        (local.set $keep (v128.const i64x2 -1 -1))
        (local.set $keepS (i32.const 1))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))))
    (if (i32.lt_s (local.get $j) (local.get $n))
      (then
        (local.set $r0 (i32.add (local.get $unit) (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 2)))) (local.get $bytes))))
        (local.set $q0 (f64.load (i32.add (local.get $sizes) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $v0 (f64x2.splat (local.get $q0)))
        (local.set $c (i32.const 0))
        (block $cellsDone1
          (loop $cells1
            (br_if $cellsDone1 (i32.ge_u (local.get $c) (local.get $pairs)))
            (v128.store (i32.add (local.get $pre) (local.get $c))
              (f64x2.add (v128.and (v128.load (i32.add (local.get $pre) (local.get $c))) (local.get $keep)) (f64x2.mul (local.get $v0) (v128.load (i32.add (local.get $r0) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $cells1)))
        (if (i32.lt_u (local.get $pairs) (local.get $bytes))
          (then
            (f64.store (i32.add (local.get $pre) (local.get $pairs))
              (f64.add (select (f64.load (i32.add (local.get $pre) (local.get $pairs))) (f64.const 0) (local.get $keepS)) (f64.mul (local.get $q0) (f64.load (i32.add (local.get $r0) (local.get $pairs))))))))
        (local.set $keep (v128.const i64x2 -1 -1))
        (local.set $keepS (i32.const 1))
        (local.set $j (i32.add (local.get $j) (i32.const 1))))))

  ;; ---------------------------------------------------------------------------------------
  ;; The pinned kernel's per-account pipeline for accounts whose positions all have one
  ;; vector key and one pool (engine/account-block-simd.ts lays the memory out), up to the
  ;; results: the same operations in the same order as deribit-pm-batch.ts `accumulate`
  ;; (addRun), `positionSums`, `keyRoll`, `keyWorstCases`, `poolWorst` for one key, then
  ;; `finishOneKey` (H1 or no delta shock, `roundFast`, IM/MM, utilization, health state), so
  ;; the same bits. An account the module cannot finish the same way (H2, a rounding off the
  ;; fast path, a non-finite amount, collateral in another pool) gets state −1 and its
  ;; amounts up to the pool value: deribit-pm-batch.ts finishes it in JavaScript.
  ;; Block header (i32 words at $hdr), byte addresses unless noted:
  ;;   0 unit  1 cells per row  2 rows (i32)  3 sizes (f64)  4 entries (f64)  5 ptr (i32,
  ;;   n + 1 position indices relative to rows/sizes/entries)  6 row records (64 B: f64
  ;;   deltaCoin, deltaRoll, rollMove, value, price; i32 kind @40, key @44, group @48)
  ;;   7 key records (128 B: f64 pnlOffset, gainCap, usdScale; i32 groupStart @24, groupEnd
  ;;   @28; f64 index @32, deltaThreshold @40, maxDeltaShock @48, mInc @56; i32 pool @64)
  ;;   8 allowance (f64, key · cells)  9 groupMove (f64)  10 groupDelta (f64, all +0 between
  ;;   accounts)  11 collateral (f64, block · pools)  12 extended (i32 per cell)  13 middle
  ;;   (i32 per cell)  14 agg (f64 per cell, scratch)  15 out key (i32: −1 = not one key, for
  ;;   JavaScript)  16 out cell (i32)  17 out amounts (f64, ten arrays of `block`: worst case,
  ;;   roll, delta total, one-and-short, long options, pool value, equity, IM, MM,
  ;;   utilization)  18 block  19 flags (1 per-expiry roll, 2 sign-aware dampener gains, 4 gain
  ;;   cap before offset, 8 H1 delta shock, 16 no delta shock, 32 finish in the module)
  ;;   20 pool records (32 B: f64 openOrders, mmp, spot)  21 extended mask (i64 per cell: −1
  ;;   extended, 0 standard)  22 pools  23 health rules (32 B: f64 value; i32 metric @8, op
  ;;   @12, state @16; health-state.ts)  24 rules  25 f64 parameters (rounding scale 10^d,
  ;;   mmFactor)  26 out state (i32: health state, −1 = finish in JavaScript)  27 out pool (i32).
  (global $unit (mut i32) (i32.const 0))
  (global $nC (mut i32) (i32.const 0))
  (global $rows (mut i32) (i32.const 0))
  (global $sizes (mut i32) (i32.const 0))
  (global $entries (mut i32) (i32.const 0))
  (global $ptr (mut i32) (i32.const 0))
  (global $rec (mut i32) (i32.const 0))
  (global $keyRec (mut i32) (i32.const 0))
  (global $allow (mut i32) (i32.const 0))
  (global $gMove (mut i32) (i32.const 0))
  (global $gDelta (mut i32) (i32.const 0))
  (global $coll (mut i32) (i32.const 0))
  (global $ext (mut i32) (i32.const 0))
  (global $mid (mut i32) (i32.const 0))
  (global $agg (mut i32) (i32.const 0))
  (global $outKey (mut i32) (i32.const 0))
  (global $outCell (mut i32) (i32.const 0))
  (global $outF (mut i32) (i32.const 0))
  (global $block (mut i32) (i32.const 0))
  (global $flags (mut i32) (i32.const 0))
  (global $poolRec (mut i32) (i32.const 0))
  (global $extMask (mut i32) (i32.const 0))
  (global $nP (mut i32) (i32.const 0))
  (global $rules (mut i32) (i32.const 0))
  (global $nRules (mut i32) (i32.const 0))
  (global $roundScale (mut f64) (f64.const 0))
  (global $mmFactor (mut f64) (f64.const 0))
  (global $outState (mut i32) (i32.const 0))
  (global $outPool (mut i32) (i32.const 0))
  ;; Set by $round when a value leaves the fast path (the account is finished in JavaScript).
  (global $slow (mut i32) (i32.const 0))

  ;; marginBlock(hdr, n): accounts 0..n of the staged block (see the header above).
  ;; Returns how many of them it finished (state ≥ 0).
  (func (export "marginBlock") (param $hdr i32) (param $n i32) (result i32)
    (local $i i32) (local $done i32)
    (local $j0 i32) (local $j1 i32) (local $j i32) (local $k i32) (local $kr i32)
    (global.set $unit (i32.load offset=0 (local.get $hdr)))
    (global.set $nC (i32.load offset=4 (local.get $hdr)))
    (global.set $rows (i32.load offset=8 (local.get $hdr)))
    (global.set $sizes (i32.load offset=12 (local.get $hdr)))
    (global.set $entries (i32.load offset=16 (local.get $hdr)))
    (global.set $ptr (i32.load offset=20 (local.get $hdr)))
    (global.set $rec (i32.load offset=24 (local.get $hdr)))
    (global.set $keyRec (i32.load offset=28 (local.get $hdr)))
    (global.set $allow (i32.load offset=32 (local.get $hdr)))
    (global.set $gMove (i32.load offset=36 (local.get $hdr)))
    (global.set $gDelta (i32.load offset=40 (local.get $hdr)))
    (global.set $coll (i32.load offset=44 (local.get $hdr)))
    (global.set $ext (i32.load offset=48 (local.get $hdr)))
    (global.set $mid (i32.load offset=52 (local.get $hdr)))
    (global.set $agg (i32.load offset=56 (local.get $hdr)))
    (global.set $outKey (i32.load offset=60 (local.get $hdr)))
    (global.set $outCell (i32.load offset=64 (local.get $hdr)))
    (global.set $outF (i32.load offset=68 (local.get $hdr)))
    (global.set $block (i32.load offset=72 (local.get $hdr)))
    (global.set $flags (i32.load offset=76 (local.get $hdr)))
    (global.set $poolRec (i32.load offset=80 (local.get $hdr)))
    (global.set $extMask (i32.load offset=84 (local.get $hdr)))
    (global.set $nP (i32.load offset=88 (local.get $hdr)))
    (global.set $rules (i32.load offset=92 (local.get $hdr)))
    (global.set $nRules (i32.load offset=96 (local.get $hdr)))
    (global.set $roundScale (f64.load offset=0 (i32.load offset=100 (local.get $hdr))))
    (global.set $mmFactor (f64.load offset=8 (i32.load offset=100 (local.get $hdr))))
    (global.set $outState (i32.load offset=104 (local.get $hdr)))
    (global.set $outPool (i32.load offset=108 (local.get $hdr)))
    (block $all
      (loop $accounts
        (br_if $all (i32.ge_s (local.get $i) (local.get $n)))
        ;; account i: its key (or −1: no position, a row in error, several keys, more than 64
        ;; option groups), key vector, position sums and roll, worst case and cell, finish
        (block $next
          (local.set $j0 (i32.load (i32.add (global.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $j1 (i32.load offset=4 (i32.add (global.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $k (i32.const -1))
          (if (i32.lt_s (local.get $j0) (local.get $j1))
            (then (local.set $k (i32.load offset=44 (i32.add (global.get $rec)
              (i32.shl (i32.load (i32.add (global.get $rows) (i32.shl (local.get $j0) (i32.const 2))))
                (i32.const 6)))))))
          (local.set $j (i32.add (local.get $j0) (i32.const 1)))
          (block $keys
            (loop $same
              (br_if $keys (i32.lt_s (local.get $k) (i32.const 0)))
              (br_if $keys (i32.ge_s (local.get $j) (local.get $j1)))
              (if (i32.ne (i32.load offset=44 (i32.add (global.get $rec)
                (i32.shl (i32.load (i32.add (global.get $rows) (i32.shl (local.get $j) (i32.const 2))))
                  (i32.const 6)))) (local.get $k))
                (then (local.set $k (i32.const -1))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $same)))
          ;; a key of more than 64 option expiry groups (the group mask's bits): JavaScript
          (if (i32.ge_s (local.get $k) (i32.const 0))
            (then
              (local.set $kr (i32.add (global.get $keyRec) (i32.shl (local.get $k) (i32.const 7))))
              (if (i32.gt_s (i32.sub (i32.load offset=28 (local.get $kr)) (i32.load offset=24 (local.get $kr)))
                    (i32.const 64))
                (then (local.set $k (i32.const -1))))))
          (i32.store (i32.add (global.get $outKey) (i32.shl (local.get $i) (i32.const 2))) (local.get $k))
          (br_if $next (i32.lt_s (local.get $k) (i32.const 0)))
          (call $addRun
            (i32.mul (local.get $k) (i32.shl (global.get $nC) (i32.const 3)))
            (global.get $unit) (global.get $nC)
            (i32.add (global.get $rows) (i32.shl (local.get $j0) (i32.const 2)))
            (i32.add (global.get $sizes) (i32.shl (local.get $j0) (i32.const 3)))
            (i32.sub (local.get $j1) (local.get $j0)) (i32.const 1))
          (call $sums (local.get $i) (local.get $j0) (local.get $j1) (local.get $kr))
          (call $worst (local.get $i) (local.get $k) (local.get $kr))
          (local.set $done (i32.add (local.get $done) (call $finish (local.get $i) (local.get $kr)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $accounts)))
    (local.get $done))

  ;; positionSums + keyRoll for one key: delta sums, roll (per expiry: futures and perpetuals,
  ;; then the touched option groups ascending; per instrument: every position), pool value.
  ;; Branch-free where the JavaScript branches on data: the groups' deltas are +0 between
  ;; accounts, so a group's first delta is `0 + d` (the same bits as JS's `d + 0`); the touched
  ;; groups are bits of a mask (group index within the key; `$account` leaves keys of more than
  ;; 64 groups to JavaScript), read lowest first = ascending, no list or sort; the long/short
  ;; split adds `+0` to the other sum (exact: a sum started at +0 is never −0, and x + (+0) = x
  ;; for every other x; the +0 is dc's bits masked to zero).
  (func $sums (param $i i32) (param $j0 i32) (param $j1 i32) (param $kr i32)
    (local $j i32) (local $r i32) (local $kind i32) (local $g0 i32) (local $b i32) (local $da i32)
    (local $perExpiry i32) (local $mask i64) (local $upMask i64) (local $dcBits i64)
    (local $q f64) (local $dc f64) (local $d f64) (local $e f64) (local $scale f64)
    (local $tot f64) (local $short f64) (local $long f64) (local $rAll f64) (local $rD1 f64)
    (local $pv f64) (local $amount f64)
    (local $_rec i32) (local $_rows i32) (local $_sizes i32) (local $_gDelta i32) (local $_entries i32) (local $_gMove i32) (local $_outF i32) (local $_block i32) (local $_flags i32)
    (local.set $_rec (global.get $rec))
    (local.set $_rows (global.get $rows))
    (local.set $_sizes (global.get $sizes))
    (local.set $_gDelta (global.get $gDelta))
    (local.set $_entries (global.get $entries))
    (local.set $_gMove (global.get $gMove))
    (local.set $_outF (global.get $outF))
    (local.set $_block (global.get $block))
    (local.set $_flags (global.get $flags))
    (local.set $scale (f64.load offset=16 (local.get $kr)))
    (local.set $g0 (i32.load offset=24 (local.get $kr)))
    (local.set $j (local.get $j0))
    (block $done
      (loop $positions
        (br_if $done (i32.ge_s (local.get $j) (local.get $j1)))
        (local.set $r (i32.add (local.get $_rec)
          (i32.shl (i32.load (i32.add (local.get $_rows) (i32.shl (local.get $j) (i32.const 2))))
            (i32.const 6))))
        (local.set $q (f64.load (i32.add (local.get $_sizes) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $kind (i32.load offset=40 (local.get $r)))
        (local.set $dc (f64.mul (local.get $q) (f64.load offset=0 (local.get $r))))
        (local.set $tot (f64.add (local.get $tot) (local.get $dc)))
        (if (i32.eq (local.get $kind) (i32.const 3))
          (then
            (local.set $d (f64.mul (local.get $q) (f64.load offset=8 (local.get $r))))
            (local.set $rAll (f64.add (local.get $rAll)
              (f64.mul (f64.mul (f64.abs (local.get $d)) (f64.load offset=16 (local.get $r)))
                (local.get $scale))))
            (local.set $b (i32.load offset=48 (local.get $r)))
            (local.set $da (i32.add (local.get $_gDelta)
              (i32.shl (i32.add (local.get $g0) (local.get $b)) (i32.const 3))))
            (f64.store (local.get $da) (f64.add (f64.load (local.get $da)) (local.get $d)))
            (local.set $mask (i64.or (local.get $mask)
              (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $b)))))
            ;; dc to `long` (q > 0) or `short`, +0 to the other: through an all-ones/zero mask on
            ;; dc's bits (V8 turns an f64 `select` into a branch, here on the size's sign)
            (local.set $upMask (i64.sub (i64.const 0) (i64.extend_i32_u (f64.gt (local.get $q) (f64.const 0)))))
            (local.set $dcBits (i64.reinterpret_f64 (local.get $dc)))
            (local.set $long (f64.add (local.get $long)
              (f64.reinterpret_i64 (i64.and (local.get $dcBits) (local.get $upMask)))))
            (local.set $short (f64.add (local.get $short)
              (f64.reinterpret_i64 (i64.and (local.get $dcBits) (i64.xor (local.get $upMask) (i64.const -1))))))
            (local.set $pv (f64.add (local.get $pv) (f64.mul (local.get $q) (f64.load offset=24 (local.get $r))))))
          (else
            (if (i32.ne (local.get $kind) (i32.const 0))
              (then
                (local.set $e (f64.mul (f64.mul (f64.abs (local.get $q)) (f64.load offset=16 (local.get $r)))
                  (local.get $scale)))
                (local.set $rAll (f64.add (local.get $rAll) (local.get $e)))
                (local.set $rD1 (f64.add (local.get $rD1) (local.get $e)))))
            (local.set $short (f64.add (local.get $short) (local.get $dc)))
            (local.set $pv (f64.add (local.get $pv)
              (call $value (local.get $kind) (local.get $q) (f64.load offset=32 (local.get $r))
                (f64.load (i32.add (local.get $_entries) (i32.shl (local.get $j) (i32.const 3)))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $positions)))
    ;; keyRoll: the touched groups lowest bit first (ascending), per expiry their roll terms
    ;; added in that order; each group's delta back to +0.
    (local.set $perExpiry (i32.and (local.get $_flags) (i32.const 1)))
    (local.set $amount (select (local.get $rD1) (local.get $rAll) (local.get $perExpiry)))
    (block $groupsDone
      (loop $groups
        (br_if $groupsDone (i64.eqz (local.get $mask)))
        (local.set $b (i32.add (local.get $g0) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
        (local.set $da (i32.add (local.get $_gDelta) (i32.shl (local.get $b) (i32.const 3))))
        (if (local.get $perExpiry)
          (then
            (local.set $amount (f64.add (local.get $amount)
              (f64.mul
                (f64.mul
                  (f64.abs (f64.load (local.get $da)))
                  (f64.load (i32.add (local.get $_gMove) (i32.shl (local.get $b) (i32.const 3)))))
                (local.get $scale))))))
        (f64.store (local.get $da) (f64.const 0))
        (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
        (br $groups)))
    (f64.store (i32.add (local.get $_outF) (i32.shl (i32.add (i32.mul (i32.const 1) (local.get $_block)) (local.get $i)) (i32.const 3))) (f64.add (f64.const 0) (local.get $amount)))
    (f64.store (i32.add (local.get $_outF) (i32.shl (i32.add (i32.mul (i32.const 2) (local.get $_block)) (local.get $i)) (i32.const 3))) (local.get $tot))
    (f64.store (i32.add (local.get $_outF) (i32.shl (i32.add (i32.mul (i32.const 3) (local.get $_block)) (local.get $i)) (i32.const 3))) (local.get $short))
    (f64.store (i32.add (local.get $_outF) (i32.shl (i32.add (i32.mul (i32.const 4) (local.get $_block)) (local.get $i)) (i32.const 3))) (local.get $long))
    (f64.store (i32.add (local.get $_outF) (i32.shl (i32.add (i32.mul (i32.const 5) (local.get $_block)) (local.get $i)) (i32.const 3))) (local.get $pv)))

  ;; Marked value of a non-option position (positionValue): spot q·price; no entry 0;
  ;; inverse q·(price/entry − 1); linear q·(price − entry).
  (func $value (param $kind i32) (param $q f64) (param $price f64) (param $entry f64) (result f64)
    (if (i32.eqz (local.get $kind)) (then (return (f64.mul (local.get $q) (local.get $price)))))
    (if (f64.ne (local.get $entry) (local.get $entry)) (then (return (f64.const 0))))
    (if (result f64) (i32.eq (local.get $kind) (i32.const 2))
      (then (f64.mul (local.get $q)
        (f64.sub (f64.div (local.get $price) (local.get $entry)) (f64.const 1))))
      (else (f64.mul (local.get $q) (f64.sub (local.get $price) (local.get $entry))))))

  ;; keyWorstCases + poolWorst for one key: per cell the dampener (extended cells), the gain
  ;; offset and cap (`aggregate`, two cells per instruction), stored in `agg`; the minimum
  ;; ignoring NaN (`f64x2.pmin(acc, v)` is `v < acc ? v : acc`, JS's `if (v < min)`), then the
  ;; first cell holding it (no cell is −0: `x + 0`), as JS's first strict minimum; the §9
  ;; middle-vol tie-break; out worst case `0 + (max(0, −min) + 0)` and cell.
  (func $worst (param $i i32) (param $k i32) (param $kr i32)
    (local $c i32) (local $pre i32) (local $al i32) (local $first i32) (local $m i32)
    (local $bytes i32) (local $pairs i32)
    (local $x f64) (local $v f64) (local $min f64)
    (local $acc v128) (local $vv v128) (local $xv v128) (local $mask v128)
    (local $off v128) (local $cap v128) (local $alv v128) (local $zero v128)
    (local $before i32) (local $signAware i32) (local $_extMask i32) (local $_agg i32)
    (local.set $_extMask (global.get $extMask))
    (local.set $_agg (global.get $agg))
    (local.set $bytes (i32.shl (global.get $nC) (i32.const 3)))
    (local.set $pairs (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $pre (i32.mul (local.get $k) (local.get $bytes)))
    (local.set $al (i32.add (global.get $allow) (local.get $pre)))
    (local.set $before (i32.and (global.get $flags) (i32.const 4)))
    (local.set $signAware (i32.and (global.get $flags) (i32.const 2)))
    (local.set $off (f64x2.splat (f64.load offset=0 (local.get $kr))))
    (local.set $cap (f64x2.splat (f64.load offset=8 (local.get $kr))))
    (local.set $acc (f64x2.splat (f64.const inf)))
    (block $done
      (loop $cells
        (br_if $done (i32.ge_u (local.get $c) (local.get $pairs)))
        (local.set $xv (v128.load (i32.add (local.get $pre) (local.get $c))))
        (local.set $mask (v128.load (i32.add (local.get $_extMask) (local.get $c))))
        (if (v128.any_true (local.get $mask))
          (then
            ;; dampen: x < 0: min(0, x + al); x > 0: max(0, x − al) (sign-aware) or 0; else x.
            ;; Math.min/max exactly by the one-instruction pmin/pmax: `pmin(y, 0)` is
            ;; `0 < y ? 0 : y` (NaN and −0 kept), `pmax(y, 0)` is `y < 0 ? 0 : y` (NaN kept;
            ;; y = x − al with x > 0 is never −0).
            (local.set $alv (v128.load (i32.add (local.get $al) (local.get $c))))
            (local.set $xv (v128.bitselect
              (v128.bitselect
                (f64x2.pmin (f64x2.add (local.get $xv) (local.get $alv)) (local.get $zero))
                (v128.bitselect
                  (select (result v128)
                    (f64x2.pmax (f64x2.sub (local.get $xv) (local.get $alv)) (local.get $zero))
                    (local.get $zero)
                    (local.get $signAware))
                  (local.get $xv)
                  (f64x2.gt (local.get $xv) (local.get $zero)))
                (f64x2.lt (local.get $xv) (local.get $zero)))
              (local.get $xv) (local.get $mask)))))
        ;; aggregate (§8): x > 0 ? gain + 0 : x + 0. Cap before offset: `pmin(cap, x)` is
        ;; `x < cap ? x : cap`, Math.min(x, cap) for x > 0 (not NaN, not a zero; NaN cap
        ;; kept); after offset f64x2.min (off·x may be NaN: 0·∞).
        (local.set $vv (v128.bitselect
          (f64x2.add
            (select (result v128)
              (f64x2.mul (local.get $off) (f64x2.pmin (local.get $cap) (local.get $xv)))
              (f64x2.min (f64x2.mul (local.get $off) (local.get $xv)) (local.get $cap))
              (local.get $before))
            (local.get $zero))
          (f64x2.add (local.get $xv) (local.get $zero))
          (f64x2.gt (local.get $xv) (local.get $zero))))
        (v128.store (i32.add (local.get $_agg) (local.get $c)) (local.get $vv))
        (local.set $acc (f64x2.pmin (local.get $acc) (local.get $vv)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $cells)))
    (local.set $min (f64x2.extract_lane 0 (local.get $acc)))
    (local.set $v (f64x2.extract_lane 1 (local.get $acc)))
    (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
    (if (i32.lt_u (local.get $pairs) (local.get $bytes))
      (then
        ;; The odd last cell: the loop's steps on the cell in both lanes (its pre, mask and
        ;; allowance splatted), lane 0 kept.
        (local.set $xv (v128.load64_splat (i32.add (local.get $pre) (local.get $pairs))))
        (local.set $mask (v128.load64_splat (i32.add (local.get $_extMask) (local.get $pairs))))
        (if (v128.any_true (local.get $mask))
          (then
            (local.set $alv (v128.load64_splat (i32.add (local.get $al) (local.get $pairs))))
            (local.set $xv (v128.bitselect
              (v128.bitselect
                (f64x2.pmin (f64x2.add (local.get $xv) (local.get $alv)) (local.get $zero))
                (v128.bitselect
                  (select (result v128)
                    (f64x2.pmax (f64x2.sub (local.get $xv) (local.get $alv)) (local.get $zero))
                    (local.get $zero)
                    (local.get $signAware))
                  (local.get $xv)
                  (f64x2.gt (local.get $xv) (local.get $zero)))
                (f64x2.lt (local.get $xv) (local.get $zero)))
              (local.get $xv) (local.get $mask)))))
        (local.set $vv (v128.bitselect
          (f64x2.add
            (select (result v128)
              (f64x2.mul (local.get $off) (f64x2.pmin (local.get $cap) (local.get $xv)))
              (f64x2.min (f64x2.mul (local.get $off) (local.get $xv)) (local.get $cap))
              (local.get $before))
            (local.get $zero))
          (f64x2.add (local.get $xv) (local.get $zero))
          (f64x2.gt (local.get $xv) (local.get $zero))))
        (local.set $v (f64x2.extract_lane 0 (local.get $vv)))
        (f64.store (i32.add (local.get $_agg) (local.get $pairs)) (local.get $v))
        (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))))
    (local.set $first (i32.const -1))
    (if (f64.lt (local.get $min) (f64.const inf))
      (then
        (local.set $c (i32.const 0))
        (block $found
          (loop $scan
            (br_if $found (f64.eq (f64.load (i32.add (local.get $_agg) (i32.shl (local.get $c) (i32.const 3))))
              (local.get $min)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $scan)))
        (local.set $first (local.get $c))))
    (local.set $c (local.get $first))
    (if (i32.ge_s (local.get $first) (i32.const 0))
      (then
        (local.set $m (i32.load (i32.add (global.get $mid) (i32.shl (local.get $first) (i32.const 2)))))
        (if (i32.ge_s (local.get $m) (i32.const 0))
          (then
            (if (i32.and
                  (f64.eq (f64.load (i32.add (local.get $_agg) (i32.shl (local.get $m) (i32.const 3))))
                    (local.get $min))
                  (i32.eqz (i32.load (i32.add (global.get $ext) (i32.shl (local.get $m) (i32.const 2))))))
              (then (local.set $c (local.get $m))))))))
    (i32.store (i32.add (global.get $outCell) (i32.shl (local.get $i) (i32.const 2))) (local.get $c))
    (f64.store (i32.add (global.get $outF) (i32.shl (i32.add (i32.mul (i32.const 0) (global.get $block)) (local.get $i)) (i32.const 3)))
      (f64.add (f64.const 0)
        (f64.add (f64.max (f64.const 0) (f64.neg (local.get $min))) (f64.const 0)))))

  ;; deribit-pm-batch.ts `finishOneKey` for account i of key record kr: with flag 32 and no
  ;; collateral in another pool (`hasCashPool`), delta shock (H1 `deltaShockSums`, or 0),
  ;; equity, `rmm = round(wc) + roll + delta + 0`, `IM = round(rmm + open orders + MMP +
  ;; spot)`, `MM = mmFactor·rmm`, utilization and health state; state −1 (JavaScript) instead
  ;; wherever the JavaScript would leave its fast path or mark the account in error.
  (func $finish (param $i i32) (param $kr i32) (result i32)
    (local $p i32) (local $q i32) (local $cb i32) (local $o i32) (local $pr i32) (local $st i32)
    (local $abs f64) (local $delta f64) (local $eq f64) (local $rmm f64) (local $im f64)
    (local $mm f64) (local $wc f64) (local $roll f64) (local $sum f64) (local $x f64) (local $y f64)
    (local $r f64)
    (local.set $st (i32.const -1))
    (block $js
      (br_if $js (i32.eqz (i32.and (global.get $flags) (i32.const 32))))
      (local.set $p (i32.load offset=64 (local.get $kr)))
      (local.set $cb (i32.add (global.get $coll) (i32.shl (i32.mul (local.get $i) (global.get $nP)) (i32.const 3))))
      (block $cash
        (loop $pools
          (br_if $cash (i32.ge_s (local.get $q) (global.get $nP)))
          (br_if $js (i32.and (i32.ne (local.get $q) (local.get $p))
            (f64.ne (f64.load (i32.add (local.get $cb) (i32.shl (local.get $q) (i32.const 3)))) (f64.const 0))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $pools)))
      (local.set $o (i32.add (global.get $outF) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $wc (f64.load (local.get $o)))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      (local.set $roll (f64.load (local.get $o)))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      ;; H1: |total| · min(max shock, mInc · max(0, |total| − threshold/S0)) · usdScale.
      (local.set $abs (f64.abs (f64.load (local.get $o))))
      (local.set $delta (f64.add (f64.const 0)
        (select (f64.const 0)
          (f64.mul
            (f64.mul (local.get $abs)
              (f64.min (f64.load offset=48 (local.get $kr))
                (f64.mul (f64.load offset=56 (local.get $kr))
                  (f64.max (f64.const 0)
                    (f64.sub (local.get $abs)
                      (f64.div (f64.load offset=40 (local.get $kr)) (f64.load offset=32 (local.get $kr))))))))
            (f64.load offset=16 (local.get $kr)))
          (i32.and (global.get $flags) (i32.const 16)))))
      (local.set $o (i32.add (local.get $o) (i32.mul (global.get $block) (i32.const 24))))
      (local.set $eq (f64.add (f64.load (i32.add (local.get $cb) (i32.shl (local.get $p) (i32.const 3))))
        (f64.load (local.get $o))))
      ;; not finite: x − x ≠ 0 (NaN for ±∞ and NaN)
      (local.set $sum (f64.add (f64.add (f64.add (local.get $wc) (local.get $roll))
        (local.get $delta)) (local.get $eq)))
      (br_if $js (f64.ne (f64.sub (local.get $sum) (local.get $sum)) (f64.const 0)))
      ;; the two roundings: $round's steps inline (a value off its fast path, non-finite
      ;; included since y < 4e15 fails, goes to JavaScript)
      (local.set $y (f64.mul (f64.abs (local.get $wc)) (global.get $roundScale)))
      (br_if $js (i32.eqz (i32.and (f64.lt (local.get $y) (f64.const 4e15))
        (f64.gt (f64.abs (f64.sub (f64.sub (local.get $y) (f64.floor (local.get $y))) (f64.const 0.5)))
          (f64.add (f64.mul (f64.const 1e-15) (local.get $y)) (f64.const 1e-300))))))
      (local.set $r (f64.div (f64.nearest (local.get $y)) (global.get $roundScale)))
      (local.set $r (select (f64.neg (local.get $r)) (local.get $r) (f64.lt (local.get $wc) (f64.const 0))))
      (local.set $rmm (f64.add (f64.add (f64.add (local.get $r) (local.get $roll))
        (local.get $delta)) (f64.const 0)))
      (local.set $pr (i32.add (global.get $poolRec) (i32.shl (local.get $p) (i32.const 5))))
      (local.set $x (f64.add (f64.add (f64.add (local.get $rmm)
        (f64.load offset=0 (local.get $pr))) (f64.load offset=8 (local.get $pr)))
        (f64.load offset=16 (local.get $pr))))
      (local.set $y (f64.mul (f64.abs (local.get $x)) (global.get $roundScale)))
      (br_if $js (i32.eqz (i32.and (f64.lt (local.get $y) (f64.const 4e15))
        (f64.gt (f64.abs (f64.sub (f64.sub (local.get $y) (f64.floor (local.get $y))) (f64.const 0.5)))
          (f64.add (f64.mul (f64.const 1e-15) (local.get $y)) (f64.const 1e-300))))))
      (local.set $r (f64.div (f64.nearest (local.get $y)) (global.get $roundScale)))
      (local.set $im (select (f64.neg (local.get $r)) (local.get $r) (f64.lt (local.get $x) (f64.const 0))))
      (local.set $mm (f64.mul (global.get $mmFactor) (local.get $rmm)))
      (br_if $js (f64.ne (f64.sub (local.get $mm) (local.get $mm)) (f64.const 0)))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      (f64.store (local.get $o) (local.get $eq))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      (f64.store (local.get $o) (local.get $im))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      (f64.store (local.get $o) (local.get $mm))
      (local.set $o (i32.add (local.get $o) (i32.shl (global.get $block) (i32.const 3))))
      (f64.store (local.get $o)
        (if (result f64) (f64.eq (local.get $im) (f64.const 0))
          (then (select (f64.const inf) (f64.const 0) (f64.lt (local.get $eq) (f64.const 0))))
          (else (select (f64.div (local.get $im) (local.get $eq)) (f64.const inf)
            (f64.gt (local.get $eq) (f64.const 0))))))
      (local.set $st (call $health (local.get $im) (local.get $mm) (local.get $eq))))
    (i32.store (i32.add (global.get $outState) (i32.shl (local.get $i) (i32.const 2))) (local.get $st))
    (i32.store (i32.add (global.get $outPool) (i32.shl (local.get $i) (i32.const 2))) (local.get $p))
    (i32.ge_s (local.get $st) (i32.const 0)))

  ;; params.ts `roundDecimalsFast`'s fast path: y = |x|·10^d; when y < 4e15 and its fraction
  ;; is not within 1e-15·y + 1e-300 of ½, round(y)/10^d with x's sign (`f64.nearest` is
  ;; `Math.round` off ties); otherwise sets $slow (JavaScript takes the exact path).
  (func $round (param $x f64) (result f64)
    (local $y f64) (local $r f64)
    (if (f64.ne (f64.sub (local.get $x) (local.get $x)) (f64.const 0))
      (then (global.set $slow (i32.const 1)) (return (local.get $x))))
    (local.set $y (f64.mul (f64.abs (local.get $x)) (global.get $roundScale)))
    (if (i32.eqz (i32.and (f64.lt (local.get $y) (f64.const 4e15))
          (f64.gt (f64.abs (f64.sub (f64.sub (local.get $y) (f64.floor (local.get $y))) (f64.const 0.5)))
            (f64.add (f64.mul (f64.const 1e-15) (local.get $y)) (f64.const 1e-300)))))
      (then (global.set $slow (i32.const 1)) (return (local.get $x))))
    (local.set $r (f64.div (f64.nearest (local.get $y)) (global.get $roundScale)))
    (select (f64.neg (local.get $r)) (local.get $r) (f64.lt (local.get $x) (f64.const 0))))

  ;; `roundAt(x, 10^d)`: $round at that scale, NaN where it leaves the fast path (exported,
  ;; with `utilization` and `health` (rules of the last bound header), for the tests).
  (func (export "roundAt") (param $x f64) (param $scale f64) (result f64)
    (local $r f64)
    (global.set $roundScale (local.get $scale))
    (global.set $slow (i32.const 0))
    (local.set $r (call $round (local.get $x)))
    (select (f64.const nan) (local.get $r) (global.get $slow)))

  ;; margin-result.ts `utilization`: IM 0: 0, or ∞ when equity < 0; else IM/equity, ∞ when
  ;; equity ≤ 0.
  (func $util (export "utilization") (param $im f64) (param $eq f64) (result f64)
    (if (result f64) (f64.eq (local.get $im) (f64.const 0))
      (then (select (f64.const inf) (f64.const 0) (f64.lt (local.get $eq) (f64.const 0))))
      (else (select (f64.div (local.get $im) (local.get $eq)) (f64.const inf)
        (f64.gt (local.get $eq) (f64.const 0))))))

  ;; health-state.ts `healthState`: the first rule that holds gives the state, else healthy
  ;; (0). Metrics 0 IM utilization, 1 MM utilization, 2 equity/MM (±∞ when MM ≤ 0), 3
  ;; equity; operators 0 >, 1 >=, 2 <, 3 <=.
  (func $health (export "health") (param $im f64) (param $mm f64) (param $eq f64) (result i32)
    (local $r i32) (local $end i32) (local $m i32) (local $op i32) (local $x f64) (local $v f64)
    (local $uim f64) (local $umm f64)
    ;; the two utilizations ($util's steps inline)
    (local.set $uim
      (if (result f64) (f64.eq (local.get $im) (f64.const 0))
        (then (select (f64.const inf) (f64.const 0) (f64.lt (local.get $eq) (f64.const 0))))
        (else (select (f64.div (local.get $im) (local.get $eq)) (f64.const inf)
          (f64.gt (local.get $eq) (f64.const 0))))))
    (local.set $umm
      (if (result f64) (f64.eq (local.get $mm) (f64.const 0))
        (then (select (f64.const inf) (f64.const 0) (f64.lt (local.get $eq) (f64.const 0))))
        (else (select (f64.div (local.get $mm) (local.get $eq)) (f64.const inf)
          (f64.gt (local.get $eq) (f64.const 0))))))
    (local.set $r (global.get $rules))
    (local.set $end (i32.add (local.get $r) (i32.shl (global.get $nRules) (i32.const 5))))
    (block $none
      (loop $each
        (br_if $none (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $m (i32.load offset=8 (local.get $r)))
        (local.set $op (i32.load offset=12 (local.get $r)))
        (local.set $v (f64.load offset=0 (local.get $r)))
        (local.set $x
          (if (result f64) (i32.eqz (local.get $m))
            (then (local.get $uim))
            (else (if (result f64) (i32.eq (local.get $m) (i32.const 1))
              (then (local.get $umm))
              (else (if (result f64) (i32.eq (local.get $m) (i32.const 2))
                (then (if (result f64) (f64.gt (local.get $mm) (f64.const 0))
                  (then (f64.div (local.get $eq) (local.get $mm)))
                  (else (select (f64.const inf) (f64.const -inf)
                    (f64.ge (local.get $eq) (f64.const 0))))))
                (else (local.get $eq))))))))
        (if (if (result i32) (i32.eqz (local.get $op))
              (then (f64.gt (local.get $x) (local.get $v)))
              (else (if (result i32) (i32.eq (local.get $op) (i32.const 1))
                (then (f64.ge (local.get $x) (local.get $v)))
                (else (if (result i32) (i32.eq (local.get $op) (i32.const 2))
                  (then (f64.lt (local.get $x) (local.get $v)))
                  (else (f64.le (local.get $x) (local.get $v))))))))
          (then (return (i32.load offset=16 (local.get $r)))))
        (local.set $r (i32.add (local.get $r) (i32.const 32)))
        (br $each)))
    (i32.const 0))
)
