/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTSP/1.0 message codec (RFC 2326 framing as Wi-Fi Display uses it).
 *
 *   parser:  rtsp_parser_init() -> rtsp_parser_feed(bytes, any split) ->
 *            rtsp_parser_next() until -EAGAIN -> complete requests/responses
 *   builder: rtsp_builder_init(caller buffer) -> request/status line ->
 *            headers -> rtsp_builder_finish(body) -> byte-exact message
 *
 * The parser keeps its bytes in a fixed buffer inside struct rtsp_parser (no
 * malloc) and hands out messages whose strings are NUL-terminated views into
 * that buffer. It is tolerant where real sinks are sloppy (bare LF line ends,
 * extra spaces around tokens and after the colon, any header-name case, blank
 * lines between messages, folded header lines) and strict about framing: the
 * RTSP_MAX_* limits below end parsing with a distinct error, and
 * rtsp_error_to_status() says which RTSP status to answer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Hard limits. Real WFD headers are short; bodies are M3 replies (~1-3 KiB with EDID). */
#define RTSP_MAX_LINE         1024   /* bytes in one start/header line, line end excluded */
#define RTSP_MAX_HEADERS      32     /* header fields per message (folded lines count once) */
#define RTSP_MAX_HEADER_BYTES 8192   /* start line + headers + empty line, line ends included */
#define RTSP_MAX_BODY         32768  /* Content-Length */

/* RFC 2326 10.12 '$' frames (RTP/RTCP interleaved in the connection) up to this size are returned
 * whole; larger ones (never RTCP we want) are skipped as they arrive, without buffering them. */
#define RTSP_MAX_INTERLEAVED_FRAME 4096

/* The parser's buffer holds one message at its largest. */
#define RTSP_PARSER_BUFFER_SIZE (RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY)

/*
 * Parse errors (all negative errnos). Every one is final: the byte stream cannot be
 * re-synchronised, so answer rtsp_error_to_status() and close the connection. Messages
 * and errors do not depend on how the stream is split into rtsp_parser_feed() calls.
 *   -EBADMSG          malformed start line or header (400 Bad Request)
 *   -EMSGSIZE         a line longer than RTSP_MAX_LINE (400)
 *   -E2BIG            more than RTSP_MAX_HEADERS header fields (400)
 *   -ENOBUFS          header block longer than RTSP_MAX_HEADER_BYTES (400)
 *   -EFBIG            Content-Length above RTSP_MAX_BODY (413 Request Entity Too Large)
 *   -EPROTONOSUPPORT  not RTSP at all, e.g. "HTTP/1.1" (505 RTSP Version not supported)
 * A message with an RTSP version other than 1.0 is NOT an error: it is returned
 * with version_major/version_minor set, and the caller answers 505.
 */

/* Status codes used by WFD (RFC 2326 section 7.1.1). */
enum {
        RTSP_STATUS_OK                          = 200,
        RTSP_STATUS_SEE_OTHER                   = 303,
        RTSP_STATUS_BAD_REQUEST                 = 400,
        RTSP_STATUS_NOT_FOUND                   = 404,
        RTSP_STATUS_METHOD_NOT_ALLOWED          = 405,
        RTSP_STATUS_NOT_ACCEPTABLE              = 406,
        RTSP_STATUS_REQUEST_ENTITY_TOO_LARGE    = 413,
        RTSP_STATUS_UNSUPPORTED_MEDIA_TYPE      = 415,
        RTSP_STATUS_PARAMETER_NOT_UNDERSTOOD    = 451,
        RTSP_STATUS_SESSION_NOT_FOUND           = 454,
        RTSP_STATUS_METHOD_NOT_VALID_IN_STATE   = 455,
        RTSP_STATUS_HEADER_FIELD_NOT_VALID      = 456,
        RTSP_STATUS_INVALID_RANGE               = 457,
        RTSP_STATUS_AGGREGATE_NOT_ALLOWED       = 459,
        RTSP_STATUS_UNSUPPORTED_TRANSPORT       = 461,
        RTSP_STATUS_INTERNAL_SERVER_ERROR       = 500,
        RTSP_STATUS_NOT_IMPLEMENTED             = 501,
        RTSP_STATUS_SERVICE_UNAVAILABLE         = 503,
        RTSP_STATUS_VERSION_NOT_SUPPORTED       = 505,
        RTSP_STATUS_OPTION_NOT_SUPPORTED        = 551,
};

enum rtsp_method {
        RTSP_METHOD_UNKNOWN,            /* any other token; see rtsp_message.method_name */
        RTSP_METHOD_OPTIONS,
        RTSP_METHOD_DESCRIBE,
        RTSP_METHOD_ANNOUNCE,
        RTSP_METHOD_SETUP,
        RTSP_METHOD_PLAY,
        RTSP_METHOD_PAUSE,
        RTSP_METHOD_TEARDOWN,
        RTSP_METHOD_GET_PARAMETER,
        RTSP_METHOD_SET_PARAMETER,
        RTSP_METHOD_REDIRECT,
        RTSP_METHOD_RECORD,
        _RTSP_METHOD_MAX,
};

enum rtsp_message_type {
        RTSP_MESSAGE_REQUEST,
        RTSP_MESSAGE_RESPONSE,
};

struct rtsp_header {
        const char *name;               /* as received (any case), NUL-terminated */
        const char *value;              /* leading/trailing blanks trimmed, NUL-terminated */
};

/*
 * One parsed message. Every string is NUL-terminated and points into the parser's
 * buffer: valid until the next rtsp_parser_feed()/rtsp_parser_next()/rtsp_parser_init().
 */
struct rtsp_message {
        enum rtsp_message_type type;
        unsigned version_major, version_minor;  /* 1.0 for conforming peers */

        /* requests */
        enum rtsp_method method;
        const char *method_name;        /* the token as received, e.g. "GET_PARAMETER" */
        const char *uri;                /* Request-URI as received, e.g. "*" */

        /* responses */
        unsigned status;                /* 100..999 */
        const char *reason;             /* reason phrase, may be "" */

        struct rtsp_header headers[RTSP_MAX_HEADERS];
        size_t n_headers;

        const char *body;               /* NUL-terminated for convenience; may hold NULs */
        size_t body_len;                /* == Content-Length, 0 when absent */
};

struct rtsp_parser {
        size_t start;                   /* buf[start, len) is the unparsed stream */
        size_t len;                     /* end of the bytes held in buf */
        size_t released;                /* length of the message last returned (freed on next call) */
        size_t scanned;                 /* bytes of the current header block already checked */
        size_t n_lines;                 /* header lines counted in scanned */
        size_t header_len;              /* header block length incl. empty line; 0 = not found yet */
        size_t content_length;          /* of the message being scanned */
        bool has_content_length;
        char saved;                     /* byte overwritten by the NUL after the last body */
        int error;                      /* sticky parse error, 0 if none */
        bool interleaved;               /* '$' frames accepted between messages */
        size_t skip;                    /* bytes of an oversized frame still to discard */
        uint64_t frames_skipped;        /* oversized frames discarded */
        char buf[RTSP_PARSER_BUFFER_SIZE + 1];
};

/* One interleaved frame: '$', channel, 16-bit length, then len bytes (an RTP or RTCP packet). */
struct rtsp_interleaved_frame {
        uint8_t channel;
        const uint8_t *data;            /* into the parser's buffer, valid as a message's strings are */
        size_t len;
};

enum {
        RTSP_ITEM_MESSAGE = 0,
        RTSP_ITEM_FRAME = 1,
};

/* Reset p to an empty stream. Never fails. */
void rtsp_parser_init(struct rtsp_parser *p);

/*
 * Append up to len bytes of the stream. Returns how many were taken: fewer than len
 * only when the buffer is full, i.e. complete messages are waiting; call
 * rtsp_parser_next() until it returns -EAGAIN and feed the rest. Invalidates the
 * message last returned by rtsp_parser_next().
 */
size_t rtsp_parser_feed(struct rtsp_parser *p, const void *data, size_t len);

/*
 * Take the next complete message from the stream into *ret. Returns
 *   0         *ret holds a message (valid until the next call on p),
 *   -EAGAIN   the buffered bytes are only the start of a message: feed more,
 *   < 0       one of the parse errors above (sticky: every later call returns it).
 * Empty lines before a message are skipped. A bad start line is an error as soon
 * as its line end is buffered, without waiting for the rest of the header block.
 */
int rtsp_parser_next(struct rtsp_parser *p, struct rtsp_message *ret);

/*
 * Accept interleaved frames between messages from now on (on: after a SETUP with
 * "interleaved="), or not (off, the default: a '$' starts a bad request line).
 * A '$' inside a message (in a body) is never a frame.
 */
void rtsp_parser_set_interleaved(struct rtsp_parser *p, bool on);

/*
 * rtsp_parser_next() for a connection that may carry interleaved frames: returns
 * RTSP_ITEM_MESSAGE with *ret_msg, RTSP_ITEM_FRAME with *ret_frame (frames of at most
 * RTSP_MAX_INTERLEAVED_FRAME bytes; larger ones are skipped and counted in
 * frames_skipped), or the errors of rtsp_parser_next(). Without interleaving it is
 * rtsp_parser_next().
 */
int rtsp_parser_next_item(struct rtsp_parser *p, struct rtsp_message *ret_msg,
                          struct rtsp_interleaved_frame *ret_frame);

/* Bytes buffered and not yet returned as part of a message (a partial message). */
size_t rtsp_parser_pending(const struct rtsp_parser *p);

/* The status to answer a parse error with (400, 413 or 505; 500 for unknown errors). */
unsigned rtsp_error_to_status(int error);

/* A short English reason for logging a parse error, e.g. "header line too long". */
const char *rtsp_error_to_string(int error);

/* First header named name (ASCII case-insensitive), or NULL. */
const char *rtsp_message_get_header(const struct rtsp_message *m, const char *name);

/*
 * The CSeq header as a number. Returns 0, -ENODATA when absent, -EBADMSG when not a
 * decimal number in 0..UINT32_MAX (surrounding blanks allowed).
 */
int rtsp_message_get_cseq(const struct rtsp_message *m, uint32_t *ret);

/*
 * The Session header split into id and timeout: "6B8B4567;timeout=30" gives
 * id "6B8B4567" (copied to ret_id, at most id_size-1 bytes) and 30. ret_timeout_sec
 * is 0 when there is no timeout parameter. Returns 0, -ENODATA when absent,
 * -EBADMSG when malformed (empty id, id too long for id_size, bad timeout).
 */
int rtsp_message_get_session(const struct rtsp_message *m, char *ret_id, size_t id_size,
                             unsigned *ret_timeout_sec);

/*
 * Whether the comma-separated list (a Public or Require value) contains item as one
 * whole element, compared case-sensitively after trimming blanks. Quotes around the
 * whole list are ignored (one sink quoted its Public value).
 */
bool rtsp_list_contains(const char *list, const char *item);

enum rtsp_lower_transport {
        RTSP_LOWER_TRANSPORT_UDP,
        RTSP_LOWER_TRANSPORT_TCP,
};

/* A parsed Transport header (RFC 2326 12.39), first transport-spec only. */
struct rtsp_transport {
        enum rtsp_lower_transport lower;  /* "RTP/AVP" alone means UDP */
        bool unicast;                     /* false for "multicast" */
        bool has_client_port;
        uint16_t client_port[2];          /* [1] == [0] unless a range "19000-19001" was given */
        bool client_port_range;
        bool has_server_port;
        uint16_t server_port[2];
        bool server_port_range;
        bool interleaved;                 /* "interleaved=" present (TCP interleaving) */
        uint8_t interleaved_channel[2];   /* "interleaved=0-1": RTP on [0], RTCP on [1]; a single
                                           * channel N gives N, N+1 (RFC 2326 12.39) */
};

/*
 * Parse a Transport value such as "RTP/AVP/UDP;unicast;client_port=19000". Returns 0,
 * -EPROTONOSUPPORT for a profile other than RTP/AVP (answer 461), -EBADMSG when
 * malformed (bad port numbers, interleaved channels out of 0..255 or not ascending).
 * Unknown parameters are ignored.
 */
int rtsp_transport_parse(const char *value, struct rtsp_transport *ret);

/* Method names and lookups. rtsp_method_from_string() is case-sensitive (RFC 2326). */
const char *rtsp_method_to_string(enum rtsp_method m);
enum rtsp_method rtsp_method_from_string(const char *s);

/* Standard reason phrase for a status code ("OK", "Session Not Found"...), or "Unknown". */
const char *rtsp_status_to_string(unsigned status);

/*
 * Builder: writes into a caller buffer, errors are sticky and reported by
 * rtsp_builder_finish(). Lines end with CRLF; nothing is reordered, so the bytes
 * are exactly the calls in order:
 *
 *   rtsp_builder_init(&b, buf, sizeof(buf));
 *   rtsp_builder_request_line(&b, "OPTIONS", "*");          OPTIONS * RTSP/1.0
 *   rtsp_builder_cseq(&b, 1);                               CSeq: 1
 *   rtsp_builder_header(&b, "Require", "org.wfa.wfd1.0");   Require: org.wfa.wfd1.0
 *   n = rtsp_builder_finish(&b, NULL, NULL, 0);             (empty line)
 */
struct rtsp_builder {
        char *buf;
        size_t size;
        size_t len;
        int error;
};

void rtsp_builder_init(struct rtsp_builder *b, char *buf, size_t size);

/* "METHOD URI RTSP/1.0". -EINVAL (sticky) when method or uri is empty or holds blanks/CR/LF. */
void rtsp_builder_request_line(struct rtsp_builder *b, const char *method, const char *uri);

/* "RTSP/1.0 STATUS REASON"; reason NULL means rtsp_status_to_string(status). */
void rtsp_builder_status_line(struct rtsp_builder *b, unsigned status, const char *reason);

/* "Name: value". -EINVAL (sticky) when name is not a token or value holds CR/LF/NUL. */
void rtsp_builder_header(struct rtsp_builder *b, const char *name, const char *value);

/* Like rtsp_builder_header() with a printf-formatted value. */
void rtsp_builder_headerf(struct rtsp_builder *b, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* "CSeq: N" */
void rtsp_builder_cseq(struct rtsp_builder *b, uint32_t cseq);

/* "Session: ID" or, when timeout_sec > 0, "Session: ID;timeout=N" (replies to SETUP/PLAY). */
void rtsp_builder_session(struct rtsp_builder *b, const char *id, unsigned timeout_sec);

/*
 * End the message: when content_type is non-NULL "Content-Type: <content_type>" and
 * "Content-Length: <body_len>" (also for 0); when content_type is NULL and body_len > 0
 * just "Content-Length"; then the empty line and the body bytes. Returns the total
 * message length, or the first error: -ENOBUFS (buffer too small), -EINVAL (bad
 * argument earlier), -EFBIG (body_len > RTSP_MAX_BODY). Use "text/parameters" for WFD.
 */
ssize_t rtsp_builder_finish(struct rtsp_builder *b, const char *content_type,
                            const void *body, size_t body_len);
