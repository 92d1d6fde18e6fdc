/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Generic D-Bus value reading for miracastctl: any type to a text form and a
 * JSON form, objects from GetManagedObjects/GetAll. See miracastctl_props.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "bus_names.h"
#include "miracastctl_props.h"

void ctl_json_string(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}

/* Text form of a peer-controlled string: control characters become '?'. */
static void text_string(FILE *f, const char *s)
{
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static int read_value_into(sd_bus_message *m, FILE *text, FILE *json);

static int read_container(sd_bus_message *m, char type, const char *contents, FILE *text, FILE *json)
{
        bool dict = type == 'a' && contents[0] == '{';
        _cleanup_free_ char *entry = NULL;
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        if (dict) {
                entry = strndup(contents + 1, strlen(contents) - 2);
                if (!entry)
                        return -ENOMEM;
        }
        fputc(dict ? '{' : '[', json);
        if (type == 'r')
                fputc('(', text);
        for (;;) {
                r = sd_bus_message_at_end(m, false);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
                if (!first) {
                        fputc(',', json);
                        fputs(dict ? " " : ", ", text);
                }
                first = false;
                if (dict) {
                        _cleanup_free_ char *kt = NULL, *kj = NULL;

                        r = sd_bus_message_enter_container(m, 'e', entry);
                        if (r < 0)
                                return r;
                        /* The key in text form, written as text and as a JSON string. */
                        r = ctl_read_value(m, &kt, &kj);
                        if (r < 0)
                                return r;
                        fputs(kt, text);
                        fputc('=', text);
                        ctl_json_string(json, kt);
                        fputc(':', json);
                        r = read_value_into(m, text, json);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                } else
                        r = read_value_into(m, text, json);
                if (r < 0)
                        return r;
        }
        fputc(dict ? '}' : ']', json);
        if (type == 'r')
                fputc(')', text);
        return sd_bus_message_exit_container(m);
}

static int read_value_into(sd_bus_message *m, FILE *text, FILE *json)
{
        const char *contents;
        char type;
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
                int h;
        } v;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;

        switch (type) {
        case 'v': {
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = read_value_into(m, text, json);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        case 'a':
        case 'r':
                return read_container(m, type, contents, text, json);
        default:
                break;
        }

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 's':
        case 'o':
        case 'g':
                text_string(text, v.s);
                ctl_json_string(json, v.s);
                break;
        case 'b':
                fputs(v.b ? "yes" : "no", text);
                fputs(v.b ? "true" : "false", json);
                break;
        case 'y':
                fprintf(text, "%u", v.y);
                fprintf(json, "%u", v.y);
                break;
        case 'n':
                fprintf(text, "%d", v.n);
                fprintf(json, "%d", v.n);
                break;
        case 'q':
                fprintf(text, "%u", v.q);
                fprintf(json, "%u", v.q);
                break;
        case 'i':
                fprintf(text, "%" PRIi32, v.i);
                fprintf(json, "%" PRIi32, v.i);
                break;
        case 'u':
                fprintf(text, "%" PRIu32, v.u);
                fprintf(json, "%" PRIu32, v.u);
                break;
        case 'x':
                fprintf(text, "%" PRIi64, v.x);
                fprintf(json, "%" PRIi64, v.x);
                break;
        case 't':
                fprintf(text, "%" PRIu64, v.t);
                fprintf(json, "%" PRIu64, v.t);
                break;
        case 'd':
                fprintf(text, "%g", v.d);
                fprintf(json, "%g", v.d);
                break;
        default:
                fputs("?", text);
                fputs("null", json);
                break;
        }
        return 0;
}

int ctl_read_value(sd_bus_message *m, char **ret_text, char **ret_json)
{
        char *t = NULL, *j = NULL;
        size_t tl = 0, jl = 0;
        FILE *tf, *jf;
        int r;

        tf = open_memstream(&t, &tl);
        jf = open_memstream(&j, &jl);
        if (!tf || !jf) {
                if (tf)
                        fclose(tf);
                if (jf)
                        fclose(jf);
                free(t);
                free(j);
                return -ENOMEM;
        }
        r = read_value_into(m, tf, jf);
        fclose(tf);
        fclose(jf);
        if (r < 0) {
                free(t);
                free(j);
                return r;
        }
        *ret_text = t;
        *ret_json = j;
        return 0;
}

int ctl_read_props(sd_bus_message *m, struct ctl_prop **ret, size_t *ret_n)
{
        struct ctl_prop *props = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;
                struct ctl_prop *np;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        goto fail;
                np = realloc(props, (n + 1) * sizeof(*props));
                if (!np) {
                        r = -ENOMEM;
                        goto fail;
                }
                props = np;
                props[n] = (struct ctl_prop) { .name = strdup(name) };
                if (!props[n].name) {
                        r = -ENOMEM;
                        goto fail;
                }
                n++;
                r = ctl_read_value(m, &props[n - 1].text, &props[n - 1].json);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;
        *ret = props;
        *ret_n = n;
        return 0;
fail:
        for (size_t i = 0; i < n; i++) {
                free(props[i].name);
                free(props[i].text);
                free(props[i].json);
        }
        free(props);
        return r;
}

void ctl_object_clear(struct ctl_object *o)
{
        for (size_t i = 0; i < o->n_props; i++) {
                free(o->props[i].name);
                free(o->props[i].text);
                free(o->props[i].json);
        }
        free(o->props);
        free(o->path);
        free(o->iface);
        *o = (struct ctl_object) {};
}

void ctl_objects_free(struct ctl_object *objs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                ctl_object_clear(&objs[i]);
        free(objs);
}

int ctl_objects_get_managed(sd_bus *bus, const char *iface, struct ctl_object **ret, size_t *ret_n,
                            sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", error, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;

                r = sd_bus_message_read(reply, "o", &path);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
                if (r < 0)
                        goto fail;
                while ((r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
                        const char *ifname;
                        struct ctl_object *no;

                        r = sd_bus_message_read(reply, "s", &ifname);
                        if (r < 0)
                                goto fail;
                        if (iface && strcmp(iface, ifname) != 0) {
                                r = sd_bus_message_skip(reply, "a{sv}");
                        } else {
                                no = realloc(objs, (n + 1) * sizeof(*objs));
                                if (!no) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                objs = no;
                                objs[n] = (struct ctl_object) { .path = strdup(path), .iface = strdup(ifname) };
                                n++;
                                if (!objs[n - 1].path || !objs[n - 1].iface) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                r = ctl_read_props(reply, &objs[n - 1].props, &objs[n - 1].n_props);
                        }
                        if (r < 0)
                                goto fail;
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                goto fail;
                }
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        ctl_objects_sort(objs, n);
        *ret = objs;
        *ret_n = n;
        return 0;
fail:
        ctl_objects_free(objs, n);
        return r;
}

int ctl_object_get_all(sd_bus *bus, const char *path, const char *iface, struct ctl_object *ret,
                       sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct ctl_object o = {};
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", error, &reply,
                               "s", iface);
        if (r < 0)
                return r;
        o.path = strdup(path);
        o.iface = strdup(iface);
        if (!o.path || !o.iface) {
                ctl_object_clear(&o);
                return -ENOMEM;
        }
        r = ctl_read_props(reply, &o.props, &o.n_props);
        if (r < 0) {
                ctl_object_clear(&o);
                return r;
        }
        *ret = o;
        return 0;
}

const struct ctl_prop *ctl_props_find(const struct ctl_object *o, const char *name)
{
        for (size_t i = 0; i < o->n_props; i++)
                if (strcmp(o->props[i].name, name) == 0)
                        return &o->props[i];
        return NULL;
}

const char *ctl_prop_text(const struct ctl_object *o, const char *name, const char *def)
{
        const struct ctl_prop *p = ctl_props_find(o, name);

        return p ? p->text : def;
}

void ctl_object_print_json(FILE *f, const struct ctl_object *o)
{
        fputs("{\"path\":", f);
        ctl_json_string(f, o->path);
        fputs(",\"id\":", f);
        ctl_json_string(f, ctl_path_id(o->path));
        for (size_t i = 0; i < o->n_props; i++) {
                fputc(',', f);
                ctl_json_string(f, o->props[i].name);
                fputc(':', f);
                fputs(o->props[i].json, f);
        }
        fputc('}', f);
}

const char *ctl_path_id(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

static int compare_objects(const void *a, const void *b)
{
        const struct ctl_object *x = a, *y = b;
        const char *ix = ctl_path_id(x->path), *iy = ctl_path_id(y->path);
        char *ex, *ey;
        unsigned long nx = strtoul(ix, &ex, 10), ny = strtoul(iy, &ey, 10);

        if (*ix && *iy && !*ex && !*ey && nx != ny)
                return nx < ny ? -1 : 1;
        return strcmp(x->path, y->path);
}

void ctl_objects_sort(struct ctl_object *objs, size_t n)
{
        if (n > 1)
                qsort(objs, n, sizeof(*objs), compare_objects);
}
