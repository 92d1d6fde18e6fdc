/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing the P2P backend from the configuration (p2p.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p2p.h"

#include "../protocol/macro.h"
#include "log.h"
#include "nm.h"
#include "wpas.h"

static int create_wpas(sd_event *event, const struct p2p_config *config, const struct p2p_owner *owner,
                       const struct p2p_ops **ret_ops, void **ret_backend, char **ret_why)
{
        _cleanup_free_ char *path = NULL;
        struct wpas *w = NULL;
        struct stat st;
        int r;

        r = wpas_find_ctrl_path(config->wpas_ctrl, &path);
        if (r < 0) {
                /* A socket path that does not exist yet: wpa_supplicant may start later; keep retrying. */
                if (r == -ENOENT && (stat(config->wpas_ctrl, &st) < 0 || !S_ISDIR(st.st_mode)) &&
                    strcmp(config->backend, "wpas") == 0) {
                        path = strdup(config->wpas_ctrl);
                        if (!path)
                                return -ENOMEM;
                } else {
                        if (asprintf(ret_why, "no wpa_supplicant control socket at %s (%s)", config->wpas_ctrl,
                                     strerror(-r)) < 0)
                                *ret_why = NULL;
                        *ret_ops = NULL;
                        *ret_backend = NULL;
                        return 0;
                }
        }
        r = wpas_new(event, config, path, owner, &w);
        if (r < 0)
                return log_error_errno(r, "P2P: cannot start the wpa_supplicant backend for %s: %m", path);
        log_info("P2P: backend wpas, control socket %s", path);
        *ret_ops = &wpas_p2p_ops;
        *ret_backend = w;
        *ret_why = NULL;
        return 0;
}

int p2p_backend_create(sd_event *event, const struct p2p_config *config, const struct p2p_owner *owner,
                       const struct p2p_ops **ret_ops, void **ret_backend, char **ret_why)
{
        const char *b = config->backend ? config->backend : "auto";

        *ret_ops = NULL;
        *ret_backend = NULL;
        *ret_why = NULL;
        if (strcmp(b, "none") == 0) {
                *ret_why = strdup("P2P disabled by configuration (p2p-backend=none)");
                return 0;
        }
        if (strcmp(b, "nm") == 0 || strcmp(b, "auto") == 0) {
                struct nm *n = NULL;
                int r = nm_new(event, config, config->nm_bus, owner, &n);

                if (r >= 0) {
                        *ret_ops = &nm_p2p_ops;
                        *ret_backend = n;
                        log_info("P2P: backend nm (NetworkManager manages the Wi-Fi P2P device)");
                        return 0;
                }
                if (strcmp(b, "nm") == 0) {
                        if (asprintf(ret_why, "NetworkManager: %s",
                                     r == -EHOSTDOWN ? "not running"
                                     : r == -ENODEV  ? "manages no Wi-Fi P2P device"
                                                     : strerror(-r)) < 0)
                                *ret_why = NULL;
                        return 0;
                }
                log_debug("P2P: not using NetworkManager (%s), trying wpa_supplicant", strerror(-r));
        }
        return create_wpas(event, config, owner, ret_ops, ret_backend, ret_why);
}
