// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only (tests/desktop/gnome-portal.sh): unsafe mode lets the test drive the shell through
// org.gnome.Shell.Eval: place windows, read monitors, click dialogs with a virtual pointer.
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

export default class RigExtension extends Extension {
    enable() {
        global.context.unsafe_mode = true;
    }

    disable() {
        global.context.unsafe_mode = false;
    }
}
