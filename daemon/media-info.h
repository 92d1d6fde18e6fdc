/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this machine can capture and encode, for Manager1.Encoders and
 * Manager1.CaptureOutputs. Lists are NULL-terminated arrays of strings,
 * freed with media_info_strv_free().
 */
#pragma once

struct manager;

/* H.264 encoders: "x264" (ours, libx264 direct), then those FFmpeg offers here, e.g. "libx264", "h264_vaapi". */
int media_info_list_encoders(char ***ret);

/* Capture outputs: "testsrc", then "kms:/dev/dri/cardN:CONNECTOR" for every
 * connected DRM connector that can be opened. */
int media_info_list_outputs(struct manager *m, char ***ret);

void media_info_strv_free(char **l);
