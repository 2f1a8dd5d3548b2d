// SPDX-License-Identifier: MIT
/*
 * A function with known branches for the decode tests (tests/tools/etm4_encoder.py):
 * written in assembly so the instruction addresses and branch kinds do not
 * depend on the compiler. Only direct branches, so every atom's target is
 * known without address packets. The path the tests encode:
 *   b.ne taken twice, not taken once (the loop), cbz taken, b taken, tbnz not taken.
 */
__asm__(
	"	.section .text.csd_trace, \"ax\"\n"
	"	.global csd_trace_path\n"
	"	.type csd_trace_path, %function\n"
	"	.balign 64\n"
	"csd_trace_path:\n"
	"	mov	x1, #3\n"
	"1:	subs	x1, x1, #1\n"
	"	b.ne	1b\n"
	"	cbz	x0, 2f\n"
	"	add	x0, x0, #1\n"
	"2:	b	csd_trace_tail\n"
	"	.size csd_trace_path, . - csd_trace_path\n"
	"	.global csd_trace_tail\n"
	"	.type csd_trace_tail, %function\n"
	"csd_trace_tail:\n"
	"	nop\n"
	"	tbnz	x0, #0, 3f\n"
	"	nop\n"
	"3:	ret\n"
	"	.size csd_trace_tail, . - csd_trace_tail\n"
	"	.text\n");
