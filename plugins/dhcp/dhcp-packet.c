// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp-packet.c - DHCPv4 message and frame codec; see dhcp-packet.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dhcp-packet.h"

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

#define FILE_OFF 108
#define FILE_LEN 128
#define SNAME_OFF 44
#define SNAME_LEN 64

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct writer {
	uint8_t *buf;
	size_t size, len;
	bool overflow;
};

static void put_opt(struct writer *w, uint8_t code, const void *val, size_t len)
{
	if (len > 255 || w->len + 2 + len > w->size) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = code;
	w->buf[w->len++] = len;
	if (len)
		memcpy(w->buf + w->len, val, len);
	w->len += len;
}

int dhcp_msg_build(const struct dhcp_build *b, uint8_t *buf, size_t size)
{
	struct writer w = { .buf = buf, .size = size };
	uint8_t type = b->type;

	if (size < DHCP_HEADER_LEN + 4)
		return -ENOBUFS;
	memset(buf, 0, DHCP_HEADER_LEN);
	buf[0] = 1; /* BOOTREQUEST */
	buf[1] = 1; /* Ethernet */
	buf[2] = 6;
	put_u32(buf + 4, b->xid);
	put_u16(buf + 10, b->flags);
	memcpy(buf + 12, &b->ciaddr, 4);
	memcpy(buf + 28, b->chaddr, 6);
	memcpy(buf + DHCP_HEADER_LEN, magic_cookie, 4);
	w.len = DHCP_HEADER_LEN + 4;

	put_opt(&w, DHCP_OPT_MESSAGE_TYPE, &type, 1);
	if (b->client_id_len)
		put_opt(&w, DHCP_OPT_CLIENT_ID, b->client_id, b->client_id_len);
	if (b->requested.s_addr)
		put_opt(&w, DHCP_OPT_REQUESTED_IP, &b->requested, 4);
	if (b->server_id.s_addr)
		put_opt(&w, DHCP_OPT_SERVER_ID, &b->server_id, 4);
	if (b->prl_len)
		put_opt(&w, DHCP_OPT_PARAM_REQUEST_LIST, b->prl, b->prl_len);
	for (size_t i = 0; i < b->n_extra; i++)
		put_opt(&w, b->extra[i].code, b->extra[i].val, b->extra[i].len);
	if (w.overflow || w.len >= size)
		return -ENOBUFS;
	buf[w.len++] = DHCP_OPT_END;
	/* Some BOOTP relays drop messages under 300 bytes; pad with PAD options. */
	if (w.len < DHCP_MIN_LEN && size >= DHCP_MIN_LEN) {
		memset(buf + w.len, 0, DHCP_MIN_LEN - w.len);
		w.len = DHCP_MIN_LEN;
	}
	return (int)w.len;
}

/* Walk one options field, appending each option's bytes to m->data. RFC 3396: the values
 * of repeated options are concatenated, in the order fields are read. The pass keeps the
 * offsets of the previous one by collecting per code in two passes over all fields. */
static int scan_field(const uint8_t *p, size_t len, bool allow_overload, uint8_t *overload,
		      uint16_t total[256], bool present[256])
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++];
		uint8_t olen;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		if (i >= len)
			return -EBADMSG;
		olen = p[i++];
		if (olen > len - i)
			return -EBADMSG;
		if (code == DHCP_OPT_OVERLOAD) {
			/* Only the options field may say where more options are. */
			if (allow_overload && olen == 1)
				*overload = p[i];
		} else {
			present[code] = true;
			total[code] += olen;
		}
		i += olen;
	}
	/* A field without END: the options field must end with it; file and sname end at
	 * their size. */
	return allow_overload ? -EBADMSG : 0;
}

static void copy_field(const uint8_t *p, size_t len, struct dhcp_msg *m, uint16_t fill[256])
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++], olen;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return;
		olen = p[i++];
		if (code != DHCP_OPT_OVERLOAD) {
			memcpy(m->data + m->opt_off[code] + fill[code], p + i, olen);
			fill[code] += olen;
		}
		i += olen;
	}
}

int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret)
{
	static struct dhcp_msg zero;
	struct dhcp_msg *m = ret;
	struct {
		const uint8_t *p;
		size_t len;
	} fields[3];
	size_t n_fields = 0, off = 0;
	uint16_t total[256] = { 0 }, fill[256] = { 0 };
	bool present[256] = { false };
	uint8_t overload = 0;
	int r;

	if (len < DHCP_HEADER_LEN + 4 || len > DHCP_MAX_LEN)
		return -EBADMSG;
	if (memcmp(buf + DHCP_HEADER_LEN, magic_cookie, 4) != 0)
		return -EBADMSG;

	r = scan_field(buf + DHCP_HEADER_LEN + 4, len - DHCP_HEADER_LEN - 4, true, &overload,
		       total, present);
	if (r < 0)
		return r;
	fields[n_fields].p = buf + DHCP_HEADER_LEN + 4;
	fields[n_fields++].len = len - DHCP_HEADER_LEN - 4;
	/* RFC 2131 4.1: the file field is read before sname. */
	if (overload == 1 || overload == 3) {
		r = scan_field(buf + FILE_OFF, FILE_LEN, false, NULL, total, present);
		if (r < 0)
			return r;
		fields[n_fields].p = buf + FILE_OFF;
		fields[n_fields++].len = FILE_LEN;
	}
	if (overload == 2 || overload == 3) {
		r = scan_field(buf + SNAME_OFF, SNAME_LEN, false, NULL, total, present);
		if (r < 0)
			return r;
		fields[n_fields].p = buf + SNAME_OFF;
		fields[n_fields++].len = SNAME_LEN;
	}

	*m = zero;
	for (unsigned c = 0; c < 256; c++) {
		m->opt_present[c] = present[c];
		m->opt_off[c] = off;
		m->opt_len[c] = total[c];
		off += total[c];
	}
	/* The option bytes fit: they are a subset of the message. */
	for (size_t f = 0; f < n_fields; f++)
		copy_field(fields[f].p, fields[f].len, m, fill);
	m->data_len = off;

	m->op = buf[0];
	m->xid = get_u32(buf + 4);
	m->flags = (uint16_t)(buf[10] << 8 | buf[11]);
	memcpy(&m->ciaddr, buf + 12, 4);
	memcpy(&m->yiaddr, buf + 16, 4);
	memcpy(&m->siaddr, buf + 20, 4);
	memcpy(&m->giaddr, buf + 24, 4);
	memcpy(m->chaddr, buf + 28, 16);
	if (m->opt_present[DHCP_OPT_MESSAGE_TYPE] && m->opt_len[DHCP_OPT_MESSAGE_TYPE] == 1)
		m->type = m->data[m->opt_off[DHCP_OPT_MESSAGE_TYPE]];
	return 0;
}

const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *ret_len)
{
	if (!m->opt_present[code])
		return NULL;
	if (ret_len)
		*ret_len = m->opt_len[code];
	return m->data + m->opt_off[code];
}

int dhcp_msg_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *ret)
{
	size_t len;
	const uint8_t *p = dhcp_msg_opt(m, code, &len);

	if (!p)
		return -ENODATA;
	if (len != 4)
		return -EBADMSG;
	*ret = get_u32(p);
	return 0;
}

int dhcp_msg_addr(const struct dhcp_msg *m, uint8_t code, struct in_addr *ret)
{
	size_t len;
	const uint8_t *p = dhcp_msg_opt(m, code, &len);

	if (!p)
		return -ENODATA;
	/* Router and DNS lists carry several addresses; the first one is ours to use. */
	if (len < 4 || len % 4)
		return -EBADMSG;
	memcpy(ret, p, 4);
	return 0;
}

static void set_v4(struct ip_addr *a, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(&a->in, p, 4);
}

int dhcp_parse_classless(const uint8_t *p, size_t len, struct dhcp_route *routes, size_t max,
			 size_t *ret_n)
{
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned width = p[i++], octets = (width + 7) / 8;
		uint8_t dst[4] = { 0 };

		if (width > 32 || len - i < octets + 4)
			return -EBADMSG;
		memcpy(dst, p + i, octets);
		i += octets;
		if (n < max) {
			set_v4(&routes[n].dst.addr, dst);
			routes[n].dst.len = width;
			set_v4(&routes[n].gw, p + i);
			n++;
		}
		i += 4;
	}
	*ret_n = n;
	return 0;
}

int dhcp_parse_static(const uint8_t *p, size_t len, struct dhcp_route *routes, size_t max,
		      size_t *ret_n)
{
	size_t n = 0;

	if (len % 8)
		return -EBADMSG;
	for (size_t i = 0; i + 8 <= len; i += 8) {
		unsigned bits;

		/* The destination's classful mask (RFC 2132 5.8); class D and E have none. */
		if (p[i] < 128)
			bits = 8;
		else if (p[i] < 192)
			bits = 16;
		else if (p[i] < 224)
			bits = 24;
		else
			continue;
		if (n < max) {
			set_v4(&routes[n].dst.addr, p + i);
			routes[n].dst.len = bits;
			set_v4(&routes[n].gw, p + i + 4);
			n++;
		}
	}
	*ret_n = n;
	return 0;
}

int dhcp_lease_info_from_msg(const struct dhcp_msg *m, struct dhcp_lease_info *ret)
{
	struct dhcp_lease_info li = { .address = m->yiaddr };
	uint32_t mask, v;
	const uint8_t *p;
	size_t len;
	int r;

	r = dhcp_msg_u32(m, DHCP_OPT_SUBNET_MASK, &mask);
	if (r == -EBADMSG)
		return r;
	if (r == 0) {
		/* A mask must be contiguous ones, or it has no prefix length. */
		if (mask && ((~mask + 1) & ~mask))
			return -EBADMSG;
		li.has_mask = true;
		li.prefix_len = mask ? 32 - __builtin_ctz(mask) : 0;
	}
	r = dhcp_msg_addr(m, DHCP_OPT_ROUTER, &li.router);
	if (r == -EBADMSG)
		return r;
	r = dhcp_msg_addr(m, DHCP_OPT_SERVER_ID, &li.server_id);
	if (r == -EBADMSG)
		return r;
	r = dhcp_msg_u32(m, DHCP_OPT_LEASE_TIME, &v);
	if (r == -EBADMSG)
		return r;
	li.has_lease_time = r == 0;
	li.lease_time = r == 0 ? v : 0;
	if (dhcp_msg_u32(m, DHCP_OPT_RENEWAL_TIME, &v) == 0) {
		li.has_t1 = true;
		li.t1 = v;
	}
	if (dhcp_msg_u32(m, DHCP_OPT_REBINDING_TIME, &v) == 0) {
		li.has_t2 = true;
		li.t2 = v;
	}
	/* RFC 3442: with classless routes present, option 33 and the router are not used for
	 * routes; a malformed 121 is ignored as if absent. */
	p = dhcp_msg_opt(m, DHCP_OPT_CLASSLESS_ROUTES, &len);
	if (p && dhcp_parse_classless(p, len, li.routes, DHCP_MAX_ROUTES, &li.n_routes) == 0 &&
	    li.n_routes > 0) {
		li.classless = true;
	} else {
		li.n_routes = 0;
		p = dhcp_msg_opt(m, DHCP_OPT_STATIC_ROUTES, &len);
		if (p && dhcp_parse_static(p, len, li.routes, DHCP_MAX_ROUTES, &li.n_routes) < 0)
			li.n_routes = 0;
	}
	*ret = li;
	return 0;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int dhcp_frame_build(const uint8_t *msg, size_t msg_len, struct in_addr src, struct in_addr dst,
		     uint8_t *buf, size_t size)
{
	size_t total = DHCP_FRAME_HDR + msg_len;
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t c;

	if (total > size || total > 0xffff)
		return -ENOBUFS;
	memset(buf, 0, DHCP_FRAME_HDR);
	buf[0] = 0x45;
	put_u16(buf + 2, total);
	buf[8] = 64; /* TTL */
	buf[9] = IPPROTO_UDP;
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, &dst, 4);
	put_u16(buf + 10, csum_fold(csum_add(0, buf, 20)));

	put_u16(buf + 20, DHCP_CLIENT_PORT);
	put_u16(buf + 22, DHCP_SERVER_PORT);
	put_u16(buf + 24, DHCP_FRAME_HDR - 20 + msg_len);
	memcpy(buf + DHCP_FRAME_HDR, msg, msg_len);

	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	put_u16(pseudo + 10, DHCP_FRAME_HDR - 20 + msg_len);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, buf + 20, DHCP_FRAME_HDR - 20 + msg_len);
	c = csum_fold(sum);
	put_u16(buf + 26, c ? c : 0xffff); /* 0 would mean "no checksum" */
	return (int)total;
}

int dhcp_frame_parse(const uint8_t *frame, size_t len, const uint8_t **ret_msg, size_t *ret_len)
{
	size_t ihl, ip_len, udp_len;

	if (len < 20 || frame[0] >> 4 != 4)
		return -EAGAIN;
	ihl = (size_t)(frame[0] & 0x0f) * 4;
	ip_len = (size_t)(frame[2] << 8 | frame[3]);
	if (ihl < 20 || ip_len < ihl || ip_len > len)
		return -EBADMSG;
	if (frame[9] != IPPROTO_UDP)
		return -EAGAIN;
	/* Fragments (MF set or an offset) are not reassembled: DHCP replies fit one frame. */
	if ((frame[6] & 0x3f) || frame[7])
		return -EAGAIN;
	if (ip_len - ihl < 8)
		return -EBADMSG;
	if ((frame[ihl + 2] << 8 | frame[ihl + 3]) != DHCP_CLIENT_PORT)
		return -EAGAIN;
	udp_len = (size_t)(frame[ihl + 4] << 8 | frame[ihl + 5]);
	if (udp_len < 8 || udp_len > ip_len - ihl)
		return -EBADMSG;
	*ret_msg = frame + ihl + 8;
	*ret_len = udp_len - 8;
	return 0;
}
