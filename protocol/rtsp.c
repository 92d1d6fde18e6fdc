/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTSP/1.0 codec: an incremental parser over a fixed buffer and a builder into
 * a caller buffer. See rtsp.h for the contract.
 *
 * Parsing a message happens in two steps so a partial message is never modified:
 *   1. scan (non-destructive, resumable): walk complete header lines from
 *      p->scanned, enforce RTSP_MAX_LINE/HEADERS/HEADER_BYTES, note Content-Length
 *      (enforcing RTSP_MAX_BODY) until the empty line ends the header block;
 *   2. once header block and body are both buffered, tokenize in place: unfold
 *      continuation lines, write NULs after every token, fill struct rtsp_message.
 * The byte after the body is saved and replaced by a NUL; it is put back and the
 * message dropped from the buffer on the next call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "rtsp.h"

static const char *const method_names[_RTSP_METHOD_MAX] = {
        [RTSP_METHOD_UNKNOWN]       = NULL,
        [RTSP_METHOD_OPTIONS]       = "OPTIONS",
        [RTSP_METHOD_DESCRIBE]      = "DESCRIBE",
        [RTSP_METHOD_ANNOUNCE]      = "ANNOUNCE",
        [RTSP_METHOD_SETUP]         = "SETUP",
        [RTSP_METHOD_PLAY]          = "PLAY",
        [RTSP_METHOD_PAUSE]         = "PAUSE",
        [RTSP_METHOD_TEARDOWN]      = "TEARDOWN",
        [RTSP_METHOD_GET_PARAMETER] = "GET_PARAMETER",
        [RTSP_METHOD_SET_PARAMETER] = "SET_PARAMETER",
        [RTSP_METHOD_REDIRECT]      = "REDIRECT",
        [RTSP_METHOD_RECORD]        = "RECORD",
};

const char *rtsp_method_to_string(enum rtsp_method m)
{
        if ((unsigned) m >= _RTSP_METHOD_MAX || !method_names[m])
                return "UNKNOWN";
        return method_names[m];
}

enum rtsp_method rtsp_method_from_string(const char *s)
{
        if (!s)
                return RTSP_METHOD_UNKNOWN;
        for (unsigned i = 1; i < _RTSP_METHOD_MAX; i++)
                if (strcmp(s, method_names[i]) == 0)
                        return i;
        return RTSP_METHOD_UNKNOWN;
}

const char *rtsp_status_to_string(unsigned status)
{
        switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 250: return "Low on Storage Space";
        case 300: return "Multiple Choices";
        case 301: return "Moved Permanently";
        case 302: return "Moved Temporarily";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 305: return "Use Proxy";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 402: return "Payment Required";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 407: return "Proxy Authentication Required";
        case 408: return "Request Time-out";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Request Entity Too Large";
        case 414: return "Request-URI Too Large";
        case 415: return "Unsupported Media Type";
        case 451: return "Parameter Not Understood";
        case 452: return "Conference Not Found";
        case 453: return "Not Enough Bandwidth";
        case 454: return "Session Not Found";
        case 455: return "Method Not Valid in This State";
        case 456: return "Header Field Not Valid for Resource";
        case 457: return "Invalid Range";
        case 458: return "Parameter Is Read-Only";
        case 459: return "Aggregate operation not allowed";
        case 460: return "Only aggregate operation allowed";
        case 461: return "Unsupported transport";
        case 462: return "Destination unreachable";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Time-out";
        case 505: return "RTSP Version not supported";
        case 551: return "Option not supported";
        default:  return "Unknown";
        }
}

unsigned rtsp_error_to_status(int error)
{
        switch (error) {
        case -EBADMSG:
        case -EMSGSIZE:
        case -E2BIG:
        case -ENOBUFS:
                return RTSP_STATUS_BAD_REQUEST;
        case -EFBIG:
                return RTSP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        case -EPROTONOSUPPORT:
                return RTSP_STATUS_VERSION_NOT_SUPPORTED;
        default:
                return RTSP_STATUS_INTERNAL_SERVER_ERROR;
        }
}

const char *rtsp_error_to_string(int error)
{
        switch (error) {
        case 0:                 return "no error";
        case -EAGAIN:           return "incomplete message";
        case -EBADMSG:          return "malformed start line or header";
        case -EMSGSIZE:         return "line longer than RTSP_MAX_LINE";
        case -E2BIG:            return "more header fields than RTSP_MAX_HEADERS";
        case -ENOBUFS:          return "header block longer than RTSP_MAX_HEADER_BYTES";
        case -EFBIG:            return "Content-Length above RTSP_MAX_BODY";
        case -EPROTONOSUPPORT:  return "not an RTSP message";
        default:                return "internal error";
        }
}

/* ---- small character helpers (locale-independent) ----------------------- */

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c)
{
        return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* RFC 2616 token characters: visible ASCII except separators. */
static bool is_token_char(char c)
{
        if ((unsigned char) c <= 32 || (unsigned char) c >= 127)
                return false;
        return !strchr("()<>@,;:\\\"/[]?={}", c);
}

static bool mem_case_eq(const char *a, size_t n, const char *b)
{
        if (strlen(b) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (to_lower(a[i]) != to_lower(b[i]))
                        return false;
        return true;
}

static bool str_case_eq(const char *a, const char *b)
{
        return mem_case_eq(a, strlen(a), b);
}

/* Trim blanks of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
        while (*n > 0 && is_blank(**s)) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && is_blank((*s)[*n - 1]))
                (*n)--;
}

/* Decimal number of [s, s+n) into *ret if it is <= max. -EBADMSG if not digits, -ERANGE if > max. */
static int parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (n == 0)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (!is_digit(s[i]))
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (s[i] - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

/* ---- parser ----------------------------------------------------------- */

void rtsp_parser_init(struct rtsp_parser *p)
{
        p->start = 0;
        p->len = 0;
        p->released = 0;
        p->scanned = 0;
        p->n_lines = 0;
        p->header_len = 0;
        p->content_length = 0;
        p->has_content_length = false;
        p->saved = 0;
        p->error = 0;
        p->interleaved = false;
        p->skip = 0;
        p->frames_skipped = 0;
        p->buf[0] = 0;
}

void rtsp_parser_set_interleaved(struct rtsp_parser *p, bool on)
{
        p->interleaved = on;
}

static void parser_reset_scan(struct rtsp_parser *p)
{
        p->scanned = 0;
        p->n_lines = 0;
        p->header_len = 0;
        p->content_length = 0;
        p->has_content_length = false;
}

/*
 * Drop the message returned last (and any empty lines in front of the next one). Only
 * the start offset moves; bytes are moved once, in rtsp_parser_feed(), when space runs out.
 */
static void parser_release(struct rtsp_parser *p)
{
        if (p->released > 0) {
                p->buf[p->start + p->released] = p->saved;
                p->start += p->released;
                p->released = 0;
                parser_reset_scan(p);
        }

        /* Empty lines between messages are not part of either. */
        if (p->scanned == 0 && p->header_len == 0)
                while (p->start < p->len && (p->buf[p->start] == '\r' || p->buf[p->start] == '\n'))
                        p->start++;

        if (p->start == p->len) {
                p->start = p->len = 0;
                p->buf[0] = 0;
        }
}

size_t rtsp_parser_feed(struct rtsp_parser *p, const void *data, size_t len)
{
        size_t n;

        parser_release(p);
        if (p->skip > 0) {
                /* the rest of an oversized frame: never buffered */
                n = MIN(len, p->skip);
                p->skip -= n;
                return n;
        }
        if (len > RTSP_PARSER_BUFFER_SIZE - p->len && p->start > 0) {
                /* Offsets inside the scan state are relative to start: moving is safe. */
                memmove(p->buf, p->buf + p->start, p->len - p->start);
                p->len -= p->start;
                p->start = 0;
                p->buf[p->len] = 0;
        }
        n = MIN(len, RTSP_PARSER_BUFFER_SIZE - p->len);
        if (n > 0) {
                memcpy(p->buf + p->len, data, n);
                p->len += n;
                p->buf[p->len] = 0;
        }
        return n;
}

size_t rtsp_parser_pending(const struct rtsp_parser *p)
{
        return p->len - p->start - p->released;
}

/* Non-destructive check of one header line for Content-Length. */
static int scan_content_length(struct rtsp_parser *p, const char *line, size_t n)
{
        const char *colon, *name, *value;
        size_t name_len, value_len;
        uint64_t v;
        int r;

        colon = memchr(line, ':', n);
        if (!colon)
                return 0; /* reported by the tokenizer */
        name = line;
        name_len = colon - line;
        trim(&name, &name_len);
        if (!mem_case_eq(name, name_len, "Content-Length"))
                return 0;

        value = colon + 1;
        value_len = n - (value - line);
        trim(&value, &value_len);
        r = parse_decimal(value, value_len, RTSP_MAX_BODY, &v);
        if (r == -ERANGE)
                return -EFBIG;
        if (r < 0)
                return -EBADMSG;
        if (p->has_content_length && p->content_length != v)
                return -EBADMSG; /* two different lengths: request smuggling, refuse */
        p->content_length = v;
        p->has_content_length = true;
        return 0;
}

static bool line_is_blank(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!is_blank(s[i]))
                        return false;
        return true;
}

static int parse_start_line(char *line, struct rtsp_message *m);

/*
 * The complete first line of a message, judged as parser_tokenize() will judge
 * it (the start line is never unfolded), so junk fails at its first LF instead
 * of waiting for a header block that never comes. n excludes the line end and
 * is at most RTSP_MAX_LINE.
 */
static int scan_start_line(const char *line, size_t n)
{
        char copy[RTSP_MAX_LINE + 1], *s = copy;
        struct rtsp_message m = {};

        if (memchr(line, 0, n) || memchr(line, '\r', n))
                return -EBADMSG; /* a NUL, or a lone CR inside the line */
        memcpy(copy, line, n);
        copy[n] = 0;
        while (is_blank(*s))
                s++;
        return parse_start_line(s, &m);
}

/* Step 1: find the end of the header block. 0 when found (p->header_len set), -EAGAIN, or an error. */
static int parser_scan(struct rtsp_parser *p)
{
        const char *base = p->buf + p->start;
        size_t avail = p->len - p->start, pos = p->scanned;
        int r;

        while (pos < avail) {
                const char *line = base + pos;
                const char *lf = memchr(line, '\n', avail - pos);
                size_t n;

                if (!lf) {
                        /*
                         * A partial line: refuse it once it is too long. Whether it also ends
                         * past RTSP_MAX_HEADER_BYTES is decided when its LF arrives (at most
                         * RTSP_MAX_LINE bytes away), so the error never depends on how the
                         * stream was split.
                         */
                        n = avail - pos;
                        if (n > 0 && line[n - 1] == '\r')
                                n--;
                        if (n > RTSP_MAX_LINE)
                                return -EMSGSIZE;
                        break;
                }

                n = lf - line;
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                if (n > RTSP_MAX_LINE)
                        return -EMSGSIZE;
                if ((size_t) (lf - base) + 1 > RTSP_MAX_HEADER_BYTES)
                        return -ENOBUFS;
                if (pos == 0) {
                        r = scan_start_line(line, n);
                        if (r < 0)
                                return r;
                }

                if (pos > 0 && line_is_blank(line, n)) {
                        p->header_len = (lf - base) + 1;
                        p->scanned = p->header_len;
                        return 0;
                }

                if (pos > 0 && !is_blank(line[0])) {
                        p->n_lines++;
                        if (p->n_lines > RTSP_MAX_HEADERS)
                                return -E2BIG;
                        r = scan_content_length(p, line, n);
                        if (r < 0)
                                return r;
                }
                pos = (lf - base) + 1;
        }

        p->scanned = pos;
        return -EAGAIN;
}

/* Next blank-separated token of the NUL-terminated line at *cur; NULs its end. NULL at end of line. */
static char *next_token(char **cur)
{
        char *s = *cur, *t;

        while (is_blank(*s))
                s++;
        if (*s == 0)
                return NULL;
        t = s;
        while (*s && !is_blank(*s))
                s++;
        if (*s) {
                *s = 0;
                s++;
        }
        *cur = s;
        return t;
}

/* "RTSP/1.0" -> 1, 0. -EPROTONOSUPPORT for another "NAME/x.y" protocol, -EBADMSG otherwise. */
static int parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
        const char *slash = strchr(s, '/'), *dot;
        uint64_t major, minor;

        if (!slash || slash == s)
                return -EBADMSG;
        for (const char *c = s; c < slash; c++)
                if (!is_alpha(*c))
                        return -EBADMSG;
        dot = strchr(slash + 1, '.');
        if (!dot)
                return -EBADMSG;
        if (parse_decimal(slash + 1, dot - slash - 1, 999, &major) < 0 ||
            parse_decimal(dot + 1, strlen(dot + 1), 999, &minor) < 0)
                return -EBADMSG;
        if (slash - s != 4 || memcmp(s, "RTSP", 4) != 0)
                return -EPROTONOSUPPORT;
        *ret_major = major;
        *ret_minor = minor;
        return 0;
}

static int parse_start_line(char *line, struct rtsp_message *m)
{
        char *cur = line, *first, *second, *third;
        uint64_t status;
        int r;

        first = next_token(&cur);
        if (!first)
                return -EBADMSG;

        if (strncmp(first, "RTSP/", 5) == 0) {
                m->type = RTSP_MESSAGE_RESPONSE;
                r = parse_version(first, &m->version_major, &m->version_minor);
                if (r < 0)
                        return r;
                second = next_token(&cur);
                if (!second || strlen(second) != 3 ||
                    parse_decimal(second, 3, 999, &status) < 0 || status < 100)
                        return -EBADMSG;
                m->status = status;
                while (is_blank(*cur))
                        cur++;
                size_t n = strlen(cur);
                while (n > 0 && is_blank(cur[n - 1]))
                        cur[--n] = 0;
                m->reason = cur;
                return 0;
        }

        m->type = RTSP_MESSAGE_REQUEST;
        second = next_token(&cur);
        third = next_token(&cur);
        if (!second || !third) {
                /* "HTTP/1.1 200 OK" has a token with '/', not a method: tell it apart. */
                unsigned a, b;
                if (parse_version(first, &a, &b) == -EPROTONOSUPPORT)
                        return -EPROTONOSUPPORT;
                return -EBADMSG;
        }
        for (const char *c = first; *c; c++)
                if (!is_token_char(*c)) {
                        unsigned a, b;
                        if (parse_version(first, &a, &b) == -EPROTONOSUPPORT)
                                return -EPROTONOSUPPORT;
                        return -EBADMSG;
                }
        if (next_token(&cur))
                return -EBADMSG; /* trailing garbage after the version */
        r = parse_version(third, &m->version_major, &m->version_minor);
        if (r < 0)
                return r;
        m->method_name = first;
        m->method = rtsp_method_from_string(first);
        m->uri = second;
        return 0;
}

static int parse_header_line(char *line, struct rtsp_message *m)
{
        char *colon = strchr(line, ':'), *name_end, *value, *end;

        if (!colon || colon == line)
                return -EBADMSG;
        name_end = colon;
        while (name_end > line && is_blank(name_end[-1]))
                name_end--;
        if (name_end == line)
                return -EBADMSG;
        for (const char *c = line; c < name_end; c++)
                if (!is_token_char(*c))
                        return -EBADMSG;
        *name_end = 0;

        value = colon + 1;
        while (is_blank(*value))
                value++;
        end = value + strlen(value);
        while (end > value && is_blank(end[-1]))
                end--;
        *end = 0;

        if (m->n_headers >= RTSP_MAX_HEADERS)
                return -E2BIG; /* the scan counted already; kept for safety */
        m->headers[m->n_headers].name = line;
        m->headers[m->n_headers].value = value;
        m->n_headers++;
        return 0;
}

/* Step 2: tokenize buf[0, header_len) in place. */
static int parser_tokenize(struct rtsp_parser *p, struct rtsp_message *m)
{
        char *buf = p->buf + p->start, *end = buf + p->header_len, *line, *lf;
        bool first = true;
        int r;

        if (memchr(buf, 0, p->header_len))
                return -EBADMSG;

        /*
         * Unfold: a line starting with a blank continues the previous header (RFC 2326 4.2 ->
         * RFC 822). Never onto the start line: a blank-led first header stays an error.
         */
        lf = memchr(buf, '\n', p->header_len);
        for (char *c = lf ? lf + 1 : end; c < end - 1; c++) {
                if (*c != '\n' || !is_blank(c[1]))
                        continue;
                if (c + 1 == end - 1 || line_is_blank(c + 1, strcspn(c + 1, "\r\n")))
                        break; /* the blank line ending the block */
                *c = ' ';
                if (c > buf && c[-1] == '\r')
                        c[-1] = ' ';
        }

        *m = (struct rtsp_message) {};
        for (line = buf; line < end; line = lf + 1) {
                lf = memchr(line, '\n', end - line);
                if (!lf)
                        return -EBADMSG; /* cannot happen: the scan saw the final LF */
                *lf = 0;
                if (lf > line && lf[-1] == '\r')
                        lf[-1] = 0;
                if (memchr(line, '\r', strlen(line)))
                        return -EBADMSG; /* a lone CR inside a line */

                if (first) {
                        if (is_blank(line[0]))
                                while (is_blank(*line))
                                        line++;
                        r = parse_start_line(line, m);
                        if (r < 0)
                                return r;
                        first = false;
                        continue;
                }
                if (line_is_blank(line, strlen(line)))
                        break;
                if (is_blank(line[0]))
                        return -EBADMSG; /* a continuation with nothing before it */
                r = parse_header_line(line, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rtsp_parser_next(struct rtsp_parser *p, struct rtsp_message *ret)
{
        struct rtsp_message m;
        char *base;
        size_t total;
        int r;

        if (p->error)
                return p->error;

        parser_release(p);
        if (p->len == p->start)
                return -EAGAIN;

        if (p->header_len == 0) {
                r = parser_scan(p);
                if (r == -EAGAIN)
                        return r;
                if (r < 0)
                        return (p->error = r);
        }

        total = p->header_len + p->content_length;
        if (p->len - p->start < total)
                return -EAGAIN;

        r = parser_tokenize(p, &m);
        if (r < 0)
                return (p->error = r);

        base = p->buf + p->start;
        m.body = base + p->header_len;
        m.body_len = p->content_length;
        p->saved = base[total];
        base[total] = 0;
        p->released = total;

        *ret = m;
        return 0;
}

int rtsp_parser_next_item(struct rtsp_parser *p, struct rtsp_message *ret_msg,
                          struct rtsp_interleaved_frame *ret_frame)
{
        for (;;) {
                const uint8_t *base;
                size_t avail, len;

                if (p->error)
                        return p->error;
                parser_release(p);
                /* A frame starts only where a message could (RFC 2326 10.12). */
                if (!p->interleaved || p->skip > 0 || p->header_len > 0 || p->scanned > 0 || p->len == p->start ||
                    p->buf[p->start] != '$')
                        break;
                base = (const uint8_t *) p->buf + p->start;
                avail = p->len - p->start;
                if (avail < 4)
                        return -EAGAIN;
                len = (size_t) base[2] << 8 | base[3];
                if (len > RTSP_MAX_INTERLEAVED_FRAME) {
                        size_t drop = MIN(avail, 4 + len);

                        p->start += drop;
                        p->skip = 4 + len - drop;
                        p->frames_skipped++;
                        continue;
                }
                if (avail < 4 + len)
                        return -EAGAIN;
                *ret_frame = (struct rtsp_interleaved_frame) { .channel = base[1], .data = base + 4, .len = len };
                p->saved = p->buf[p->start + 4 + len];
                p->buf[p->start + 4 + len] = 0;
                p->released = 4 + len;
                return RTSP_ITEM_FRAME;
        }
        if (p->skip > 0)
                return -EAGAIN;
        return rtsp_parser_next(p, ret_msg);
}

/* ---- message helpers ---------------------------------------------------- */

const char *rtsp_message_get_header(const struct rtsp_message *m, const char *name)
{
        for (size_t i = 0; i < m->n_headers; i++)
                if (str_case_eq(m->headers[i].name, name))
                        return m->headers[i].value;
        return NULL;
}

int rtsp_message_get_cseq(const struct rtsp_message *m, uint32_t *ret)
{
        const char *v = rtsp_message_get_header(m, "CSeq");
        size_t n;
        uint64_t x;

        if (!v)
                return -ENODATA;
        n = strlen(v);
        trim(&v, &n);
        if (parse_decimal(v, n, UINT32_MAX, &x) < 0)
                return -EBADMSG;
        *ret = x;
        return 0;
}

int rtsp_message_get_session(const struct rtsp_message *m, char *ret_id, size_t id_size,
                             unsigned *ret_timeout_sec)
{
        const char *v = rtsp_message_get_header(m, "Session"), *id, *param;
        size_t id_len;
        unsigned timeout = 0;

        if (!v)
                return -ENODATA;

        id = v;
        id_len = strcspn(v, ";");
        param = v + id_len;
        trim(&id, &id_len);
        if (id_len == 0 || id_len + 1 > id_size)
                return -EBADMSG;
        for (size_t i = 0; i < id_len; i++)
                if (!is_token_char(id[i]))
                        return -EBADMSG;

        while (*param == ';') {
                const char *p = param + 1, *eq;
                size_t n = strcspn(p, ";");

                param = p + n;
                trim(&p, &n);
                eq = memchr(p, '=', n);
                if (!eq)
                        continue;
                const char *name = p, *val = eq + 1;
                size_t name_len = eq - p, val_len = n - name_len - 1;
                trim(&name, &name_len);
                trim(&val, &val_len);
                if (mem_case_eq(name, name_len, "timeout")) {
                        uint64_t t;
                        if (parse_decimal(val, val_len, 86400, &t) < 0)
                                return -EBADMSG;
                        timeout = t;
                }
        }

        memcpy(ret_id, id, id_len);
        ret_id[id_len] = 0;
        if (ret_timeout_sec)
                *ret_timeout_sec = timeout;
        return 0;
}

bool rtsp_list_contains(const char *list, const char *item)
{
        const char *s = list;
        size_t item_len = strlen(item);

        if (!list)
                return false;
        while (*s) {
                size_t n = strcspn(s, ",");
                const char *e = s;
                size_t en = n;

                trim(&e, &en);
                while (en > 0 && *e == '"') {
                        e++;
                        en--;
                }
                while (en > 0 && e[en - 1] == '"')
                        en--;
                trim(&e, &en);
                if (en == item_len && memcmp(e, item, en) == 0)
                        return true;
                s += n;
                if (*s == ',')
                        s++;
        }
        return false;
}

/* "A" or "A-B" into ret; -EBADMSG unless lo <= A <= B <= hi. */
static int parse_number_range(const char *s, size_t n, uint64_t lo, uint64_t hi, uint16_t ret[2], bool *ret_range)
{
        const char *dash;
        uint64_t a, b;

        trim(&s, &n);
        dash = memchr(s, '-', n);
        if (dash) {
                const char *x = s, *y = dash + 1;
                size_t xn = dash - s, yn = n - xn - 1;
                trim(&x, &xn);
                trim(&y, &yn);
                if (parse_decimal(x, xn, hi, &a) < 0 || parse_decimal(y, yn, hi, &b) < 0)
                        return -EBADMSG;
        } else {
                if (parse_decimal(s, n, hi, &a) < 0)
                        return -EBADMSG;
                b = a;
        }
        if (a < lo || b < a)
                return -EBADMSG;
        ret[0] = a;
        ret[1] = b;
        *ret_range = dash != NULL;
        return 0;
}

/* Ports: 1..65535. */
static int parse_port_range(const char *s, size_t n, uint16_t ret[2], bool *ret_range)
{
        return parse_number_range(s, n, 1, 65535, ret, ret_range);
}

/* Interleaved channels: 0..255. */
static int parse_channel_range(const char *s, size_t n, uint16_t ret[2], bool *ret_range)
{
        return parse_number_range(s, n, 0, 255, ret, ret_range);
}

int rtsp_transport_parse(const char *value, struct rtsp_transport *ret)
{
        struct rtsp_transport t = { .lower = RTSP_LOWER_TRANSPORT_UDP, .unicast = true };
        const char *s = value;
        size_t spec_len, n;
        bool first = true;
        int r;

        if (!value)
                return -EBADMSG;
        spec_len = strcspn(value, ","); /* only the first transport-spec */

        while (s < value + spec_len) {
                const char *e = s;
                n = strcspn(s, ";,");
                s += n;
                if (*s == ';')
                        s++;
                trim(&e, &n);

                if (first) {
                        first = false;
                        if (mem_case_eq(e, n, "RTP/AVP") || mem_case_eq(e, n, "RTP/AVP/UDP"))
                                t.lower = RTSP_LOWER_TRANSPORT_UDP;
                        else if (mem_case_eq(e, n, "RTP/AVP/TCP"))
                                t.lower = RTSP_LOWER_TRANSPORT_TCP;
                        else
                                return -EPROTONOSUPPORT;
                        continue;
                }
                if (n == 0)
                        continue;
                if (mem_case_eq(e, n, "unicast")) {
                        t.unicast = true;
                        continue;
                }
                if (mem_case_eq(e, n, "multicast")) {
                        t.unicast = false;
                        continue;
                }

                const char *eq = memchr(e, '=', n);
                if (!eq)
                        continue;
                size_t name_len = eq - e, val_len = n - name_len - 1;
                const char *name = e, *val = eq + 1;
                trim(&name, &name_len);

                if (mem_case_eq(name, name_len, "client_port")) {
                        r = parse_port_range(val, val_len, t.client_port, &t.client_port_range);
                        if (r < 0)
                                return r;
                        t.has_client_port = true;
                } else if (mem_case_eq(name, name_len, "server_port")) {
                        r = parse_port_range(val, val_len, t.server_port, &t.server_port_range);
                        if (r < 0)
                                return r;
                        t.has_server_port = true;
                } else if (mem_case_eq(name, name_len, "interleaved")) {
                        uint16_t ch[2];
                        bool range;

                        r = parse_channel_range(val, val_len, ch, &range);
                        if (r < 0)
                                return r;
                        t.interleaved = true;
                        t.interleaved_channel[0] = (uint8_t) ch[0];
                        t.interleaved_channel[1] = (uint8_t) (range ? ch[1] : (ch[0] < 255 ? ch[0] + 1 : ch[0]));
                }
        }
        if (first)
                return -EBADMSG; /* empty value */

        *ret = t;
        return 0;
}

/* ---- builder ------------------------------------------------------------ */

void rtsp_builder_init(struct rtsp_builder *b, char *buf, size_t size)
{
        b->buf = buf;
        b->size = size;
        b->len = 0;
        b->error = 0;
        if (size > 0)
                buf[0] = 0;
}

static void builder_fail(struct rtsp_builder *b, int error)
{
        if (!b->error)
                b->error = error;
}

static void builder_append(struct rtsp_builder *b, const void *data, size_t n)
{
        if (b->error)
                return;
        /* Keep one byte for a terminating NUL (handy for logging; not counted). */
        if (n >= b->size - b->len || b->size == 0) {
                builder_fail(b, -ENOBUFS);
                return;
        }
        memcpy(b->buf + b->len, data, n);
        b->len += n;
        b->buf[b->len] = 0;
}

static void builder_puts(struct rtsp_builder *b, const char *s)
{
        builder_append(b, s, strlen(s));
}

static bool is_safe_value(const char *s)
{
        return !strpbrk(s, "\r\n");
}

static bool is_token(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_token_char(*s))
                        return false;
        return true;
}

void rtsp_builder_request_line(struct rtsp_builder *b, const char *method, const char *uri)
{
        if (!method || !uri || !is_token(method) || !*uri || strpbrk(uri, " \t\r\n")) {
                builder_fail(b, -EINVAL);
                return;
        }
        builder_puts(b, method);
        builder_puts(b, " ");
        builder_puts(b, uri);
        builder_puts(b, " RTSP/1.0\r\n");
}

void rtsp_builder_status_line(struct rtsp_builder *b, unsigned status, const char *reason)
{
        char code[8];

        if (status < 100 || status > 999 || (reason && !is_safe_value(reason))) {
                builder_fail(b, -EINVAL);
                return;
        }
        snprintf(code, sizeof(code), "%u", status);
        builder_puts(b, "RTSP/1.0 ");
        builder_puts(b, code);
        builder_puts(b, " ");
        builder_puts(b, reason ? reason : rtsp_status_to_string(status));
        builder_puts(b, "\r\n");
}

void rtsp_builder_header(struct rtsp_builder *b, const char *name, const char *value)
{
        if (!name || !value || !is_token(name) || !is_safe_value(value)) {
                builder_fail(b, -EINVAL);
                return;
        }
        builder_puts(b, name);
        builder_puts(b, ": ");
        builder_puts(b, value);
        builder_puts(b, "\r\n");
}

void rtsp_builder_headerf(struct rtsp_builder *b, const char *name, const char *fmt, ...)
{
        char value[RTSP_MAX_LINE + 1];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(value, sizeof(value), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(value)) {
                builder_fail(b, -ENOBUFS);
                return;
        }
        rtsp_builder_header(b, name, value);
}

void rtsp_builder_cseq(struct rtsp_builder *b, uint32_t cseq)
{
        rtsp_builder_headerf(b, "CSeq", "%u", (unsigned) cseq);
}

void rtsp_builder_session(struct rtsp_builder *b, const char *id, unsigned timeout_sec)
{
        if (!id || !is_token(id)) {
                builder_fail(b, -EINVAL);
                return;
        }
        if (timeout_sec > 0)
                rtsp_builder_headerf(b, "Session", "%s;timeout=%u", id, timeout_sec);
        else
                rtsp_builder_header(b, "Session", id);
}

ssize_t rtsp_builder_finish(struct rtsp_builder *b, const char *content_type,
                            const void *body, size_t body_len)
{
        if (body_len > RTSP_MAX_BODY)
                builder_fail(b, -EFBIG);
        if (body_len > 0 && !body)
                builder_fail(b, -EINVAL);
        if (b->len == 0)
                builder_fail(b, -EINVAL); /* no start line */
        if (content_type)
                rtsp_builder_header(b, "Content-Type", content_type);
        if (content_type || body_len > 0)
                rtsp_builder_headerf(b, "Content-Length", "%zu", body_len);
        builder_puts(b, "\r\n");
        if (body_len > 0 && body)       /* NULL with a length already failed above */
                builder_append(b, body, body_len);
        if (b->error)
                return b->error;
        return (ssize_t) b->len;
}
