/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Holes in firewalld for one peer and one TCP port, for the time of an
 * MS-MICE cast: the sink connects to our RTSP listener on the LAN, which a
 * desktop's firewalld zone usually blocks. Through firewalld's D-Bus API on
 * the system bus (org.fedoraproject.FirewallD1.zone: getZoneOfInterface,
 * addRichRule, removeRichRule), runtime only, so a reload or reboot forgets
 * it. Where firewalld does not run, the caller is told (-EHOSTDOWN) and logs
 * what to open by hand.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

struct firewalld;
struct firewalld_hole;

/* 0: the rule is in place; -EHOSTDOWN: no firewalld; other -errno: firewalld refused (message in why). */
typedef void (*firewalld_done_t)(struct firewalld_hole *hole, int error, const char *why, void *userdata);

/* Connect to bus ("system" or a D-Bus address). -errno when there is no bus at all. */
int firewalld_new(sd_event *event, const char *bus, struct firewalld **ret);
struct firewalld *firewalld_free(struct firewalld *f);

/*
 * Let TCP port in from peer (numeric IPv4 or IPv6, no scope) on ifname, in that interface's
 * zone (the default zone when it has none). done is called once, later,
 * with the outcome; *ret belongs to the caller, who frees it when the cast
 * ends (the rule is then removed).
 */
int firewalld_open(struct firewalld *f, const char *ifname, const char *peer, uint16_t port, firewalld_done_t done,
                   void *userdata, struct firewalld_hole **ret);
/* Remove the rule (if it was added) and free. Accepts NULL, returns NULL. Never calls done. */
struct firewalld_hole *firewalld_hole_free(struct firewalld_hole *h);
