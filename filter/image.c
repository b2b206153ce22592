/* SPDX-License-Identifier: MIT */
/*
 * image.c - one instruction as text, in the format of tcpdump -d, so that
 * "ringcap -d" output can be compared with tcpdump's line by line.
 *
 * DESIGN: a table from opcode to mnemonic and operand format; jump
 * targets are printed as absolute instruction numbers, as tcpdump does.
 */
#include <ringcap/filter.h>

#include <linux/filter.h>
#include <stdio.h>

enum image_fmt { F_NONE, F_ABS, F_IND, F_IMM, F_DEC, F_MEM, F_MSH, F_LEN, F_X, F_JA, F_JK, F_JX };

static const struct image_op {
	uint16_t code;
	const char *name;
	enum image_fmt fmt;
} image_ops[] = {
	{ BPF_RET | BPF_K, "ret", F_DEC }, { BPF_RET | BPF_A, "ret", F_NONE },
	{ BPF_RET | BPF_X, "ret", F_X },
	{ BPF_LD | BPF_W | BPF_ABS, "ld", F_ABS }, { BPF_LD | BPF_H | BPF_ABS, "ldh", F_ABS },
	{ BPF_LD | BPF_B | BPF_ABS, "ldb", F_ABS }, { BPF_LD | BPF_W | BPF_LEN, "ld", F_LEN },
	{ BPF_LD | BPF_W | BPF_IND, "ld", F_IND }, { BPF_LD | BPF_H | BPF_IND, "ldh", F_IND },
	{ BPF_LD | BPF_B | BPF_IND, "ldb", F_IND }, { BPF_LD | BPF_IMM, "ld", F_IMM },
	{ BPF_LDX | BPF_IMM, "ldx", F_IMM }, { BPF_LDX | BPF_W | BPF_LEN, "ldx", F_LEN },
	{ BPF_LDX | BPF_MSH | BPF_B, "ldxb", F_MSH }, { BPF_LD | BPF_MEM, "ld", F_MEM },
	{ BPF_LDX | BPF_MEM, "ldx", F_MEM }, { BPF_ST, "st", F_MEM }, { BPF_STX, "stx", F_MEM },
	{ BPF_JMP | BPF_JA, "ja", F_JA },
	{ BPF_JMP | BPF_JGT | BPF_K, "jgt", F_JK }, { BPF_JMP | BPF_JGE | BPF_K, "jge", F_JK },
	{ BPF_JMP | BPF_JEQ | BPF_K, "jeq", F_JK }, { BPF_JMP | BPF_JSET | BPF_K, "jset", F_JK },
	{ BPF_JMP | BPF_JGT | BPF_X, "jgt", F_JX }, { BPF_JMP | BPF_JGE | BPF_X, "jge", F_JX },
	{ BPF_JMP | BPF_JEQ | BPF_X, "jeq", F_JX }, { BPF_JMP | BPF_JSET | BPF_X, "jset", F_JX },
	{ BPF_ALU | BPF_ADD | BPF_K, "add", F_DEC }, { BPF_ALU | BPF_SUB | BPF_K, "sub", F_DEC },
	{ BPF_ALU | BPF_MUL | BPF_K, "mul", F_DEC }, { BPF_ALU | BPF_DIV | BPF_K, "div", F_DEC },
	{ BPF_ALU | BPF_MOD | BPF_K, "mod", F_DEC }, { BPF_ALU | BPF_AND | BPF_K, "and", F_IMM },
	{ BPF_ALU | BPF_OR | BPF_K, "or", F_IMM }, { BPF_ALU | BPF_XOR | BPF_K, "xor", F_IMM },
	{ BPF_ALU | BPF_LSH | BPF_K, "lsh", F_DEC }, { BPF_ALU | BPF_RSH | BPF_K, "rsh", F_DEC },
	{ BPF_ALU | BPF_ADD | BPF_X, "add", F_X }, { BPF_ALU | BPF_SUB | BPF_X, "sub", F_X },
	{ BPF_ALU | BPF_MUL | BPF_X, "mul", F_X }, { BPF_ALU | BPF_DIV | BPF_X, "div", F_X },
	{ BPF_ALU | BPF_MOD | BPF_X, "mod", F_X }, { BPF_ALU | BPF_AND | BPF_X, "and", F_X },
	{ BPF_ALU | BPF_OR | BPF_X, "or", F_X }, { BPF_ALU | BPF_XOR | BPF_X, "xor", F_X },
	{ BPF_ALU | BPF_LSH | BPF_X, "lsh", F_X }, { BPF_ALU | BPF_RSH | BPF_X, "rsh", F_X },
	{ BPF_ALU | BPF_NEG, "neg", F_NONE }, { BPF_MISC | BPF_TAX, "tax", F_NONE },
	{ BPF_MISC | BPF_TXA, "txa", F_NONE },
};

/* tcpdump's names for the Linux ancillary loads. */
static const char *image_ancillary(uint32_t k)
{
	switch ((int32_t)k - SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: return "proto";
	case SKF_AD_PKTTYPE: return "type";
	case SKF_AD_IFINDEX: return "ifidx";
	case SKF_AD_MARK: return "mark";
	case SKF_AD_QUEUE: return "queue";
	case SKF_AD_HATYPE: return "hatype";
	case SKF_AD_RXHASH: return "rxhash";
	case SKF_AD_CPU: return "cpu";
	case SKF_AD_VLAN_TAG: return "vlan_tci";
	case SKF_AD_VLAN_TAG_PRESENT: return "vlanp";
	case SKF_AD_RANDOM: return "rand";
	default: return NULL;
	}
}

static void image_operand(const struct sock_filter *in, enum image_fmt fmt, unsigned pc,
			  char *buf, size_t size)
{
	const char *anc = image_ancillary(in->k);

	switch (fmt) {
	case F_ABS:
		if ((int32_t)in->k < 0 && anc)
			snprintf(buf, size, "[%s]", anc);
		else
			snprintf(buf, size, "[%u]", in->k);
		return;
	case F_IND: snprintf(buf, size, "[x + %u]", in->k); return;
	case F_IMM: snprintf(buf, size, "#0x%x", in->k); return;
	case F_DEC: snprintf(buf, size, "#%u", in->k); return;
	case F_MEM: snprintf(buf, size, "M[%u]", in->k); return;
	case F_MSH: snprintf(buf, size, "4*([%u]&0xf)", in->k); return;
	case F_LEN: snprintf(buf, size, "#pktlen"); return;
	case F_X: snprintf(buf, size, "x"); return;
	case F_JA: snprintf(buf, size, "%u", pc + 1 + in->k); return;
	case F_JK: snprintf(buf, size, "#0x%x", in->k); return;
	case F_JX: snprintf(buf, size, "x"); return;
	default: buf[0] = 0; return;
	}
}

void rc_filter_image(const struct sock_filter *in, unsigned pc, char *buf, size_t size)
{
	const struct image_op *op = NULL;
	char operand[64];

	for (size_t i = 0; i < sizeof(image_ops) / sizeof(image_ops[0]); i++)
		if (image_ops[i].code == in->code)
			op = &image_ops[i];
	if (!op) {
		snprintf(buf, size, "(%03u) unimp    0x%x", pc, in->code);
		return;
	}
	image_operand(in, op->fmt, pc, operand, sizeof(operand));
	if (op->fmt == F_JK || op->fmt == F_JX)
		snprintf(buf, size, "(%03u) %-8s %-16s jt %u\tjf %u", pc, op->name, operand,
			 pc + 1 + in->jt, pc + 1 + in->jf);
	else if (operand[0])
		snprintf(buf, size, "(%03u) %-8s %s", pc, op->name, operand);
	else
		snprintf(buf, size, "(%03u) %s", pc, op->name);
}
