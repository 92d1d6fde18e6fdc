// SPDX-License-Identifier: GPL-2.0-or-later
// A test window for tests/desktop/gnome-portal.sh: gjs -m gnome-rig-window.js TITLE RRGGBB.
// Undecorated (no title bar, no shadow), one flat colour, with a 48x48 square in its
// bottom-right corner that changes grey level every frame: compositors send screen-cast
// frames only on damage, and the test sink wants a stream of pictures.
import Gtk from 'gi://Gtk?version=4.0';
import GLib from 'gi://GLib';

const [title, hex] = ARGV;
const rgb = [0, 2, 4].map(i => parseInt(hex.substr(i, 2), 16) / 255);
let tick = 0;

Gtk.init();
const area = new Gtk.DrawingArea({hexpand: true, vexpand: true});
area.set_draw_func((_area, cr, w, h) => {
    cr.setSourceRGB(...rgb);
    cr.paint();
    const g = (tick % 16) / 32 + 0.25;
    cr.setSourceRGB(g, g, g);
    cr.rectangle(w - 48, h - 48, 48, 48);
    cr.fill();
    cr.$dispose();
});
area.add_tick_callback(() => {
    tick++;
    area.queue_draw();
    return GLib.SOURCE_CONTINUE;
});
const win = new Gtk.Window({title, decorated: false, default_width: 640, default_height: 360});
win.set_child(area);
win.present();
const loop = new GLib.MainLoop(null, false);
win.connect('close-request', () => loop.quit());
loop.run();
