/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastctl's view of D-Bus objects: properties read into plain strings
 * (one text form for people, one JSON form for --json), whatever their
 * D-Bus type, so the listings keep working when the daemon adds properties.
 *
 *   ctl_objects_get_managed(bus, &objs)       ObjectManager.GetManagedObjects
 *   ctl_object_get_all(bus, path, iface, &o)  Properties.GetAll
 *   ctl_props_find(o, "State") -> text/json
 *   ctl_objects_free(objs, n)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

struct ctl_prop {
        char *name;
        char *text;     /* "1920", "a, b", "frames=10 bytes=...", strings unquoted */
        char *json;     /* 1920, ["a","b"], {"frames":10}, "quoted" */
};

struct ctl_object {
        char *path;
        char *iface;
        struct ctl_prop *props;
        size_t n_props;
};

/*
 * Read one value (the next complete type in m, a variant's content or a plain
 * value) as text and JSON. Returns 0 or a negative errno.
 */
int ctl_read_value(sd_bus_message *m, char **ret_text, char **ret_json);

/* Read an a{sv} into props. */
int ctl_read_props(sd_bus_message *m, struct ctl_prop **ret, size_t *ret_n);

/* All objects implementing iface (NULL: any), one entry per object+interface. */
int ctl_objects_get_managed(sd_bus *bus, const char *iface, struct ctl_object **ret, size_t *ret_n,
                            sd_bus_error *error);

/* GetAll of one object's interface. */
int ctl_object_get_all(sd_bus *bus, const char *path, const char *iface, struct ctl_object *ret,
                       sd_bus_error *error);

const struct ctl_prop *ctl_props_find(const struct ctl_object *o, const char *name);
/* The text of a property, or def when absent. */
const char *ctl_prop_text(const struct ctl_object *o, const char *name, const char *def);

void ctl_object_clear(struct ctl_object *o);
void ctl_objects_free(struct ctl_object *objs, size_t n);

/* JSON string literal of s (with quotes), written to f. */
void ctl_json_string(FILE *f, const char *s);

/* Print o as one JSON object {"path": ..., "Prop": value, ...}. */
void ctl_object_print_json(FILE *f, const struct ctl_object *o);

/* Last path component: "/org/miracastd/session/3" -> "3". */
const char *ctl_path_id(const char *path);

/* sort objects by path, numerically where the ids are numbers */
void ctl_objects_sort(struct ctl_object *objs, size_t n);
