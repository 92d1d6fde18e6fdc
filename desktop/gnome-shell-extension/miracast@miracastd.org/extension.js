// SPDX-License-Identifier: GPL-2.0-or-later
//
// Screen Cast for GNOME Shell 45+: a Quick Settings toggle listing the
// displays org.miracastd sees (live, from its ObjectManager; discovery runs
// while the menu is open), a click casts, PIN prompts and the "Allow input
// from <display>?" question through an Agent1 object, and a panel indicator
// with the display, the mode, the sound and Stop while casting. Casts go
// through the user-session component (org.miracastd.User1 on the session
// bus: Duplicate/Extend/a window, sound, delay) when it is installed, else
// straight to Sink1.Cast (Duplicate only). A pure client of the D-Bus APIs
// (docs/dbus-api.md, docs/desktop.md); every call is asynchronous so the
// shell never waits on miracastd.

import Clutter from 'gi://Clutter';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import St from 'gi://St';

import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';
import * as Dialog from 'resource:///org/gnome/shell/ui/dialog.js';
import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import * as ModalDialog from 'resource:///org/gnome/shell/ui/modalDialog.js';
import * as PanelMenu from 'resource:///org/gnome/shell/ui/panelMenu.js';
import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';
import {QuickMenuToggle, SystemIndicator} from 'resource:///org/gnome/shell/ui/quickSettings.js';

import * as Errors from './errors.js';

const BUS_NAME = 'org.miracastd';
const ROOT = '/org/miracastd';
const MANAGER = 'org.miracastd.Manager1';
const SINK = 'org.miracastd.Sink1';
const SESSION = 'org.miracastd.Session1';
const AGENT_PATH = '/org/miracastd/shell/agent';
// The user-session component (miracastd-user(1)) on the session bus.
const USER_NAME = 'org.miracastd.User';
const USER_PATH = '/org/miracastd/user';
const USER1 = 'org.miracastd.User1';
// Cast() answers once the display plays; group formation and the sink may take 90 s.
const CAST_TIMEOUT_MSEC = 150 * 1000;
const ICON = 'video-display-symbolic';

const AGENT_XML = `<node><interface name="org.miracastd.Agent1">
<method name="DisplayPinCode"><arg type="o" name="sink" direction="in"/><arg type="s" name="pin" direction="in"/></method>
<method name="RequestPinCode"><arg type="o" name="sink" direction="in"/><arg type="s" name="pin" direction="out"/></method>
<method name="RequestInput"><arg type="o" name="session" direction="in"/><arg type="s" name="display_name" direction="in"/><arg type="b" name="allow" direction="out"/></method>
<method name="Cancel"/><method name="Release"/>
</interface></node>`;

// The cast options shown in the menu: the value sent, and its words. Without
// miracastd-user only Duplicate (the daemon's own capture) and Input work.
const CHOICES = [
    {key: 'video', title: 'Show', def: 'monitor', items: [
        ['monitor', 'Duplicate this screen'], ['extend', 'Extend (a new screen)'], ['window', 'A window']]},
    {key: 'audio', title: 'Sound', def: 'tv', items: [
        ['tv', 'On the display'], ['mirror', 'On both'], ['none', 'Off']]},
    // The daemon's own Cast option: usable without miracastd-user too.
    {key: 'latency', title: 'Delay', def: 'balanced', always: true, items: [
        ['low-latency', 'Low delay'], ['balanced', 'Balanced'], ['quality', 'Best picture']]},
    // "ask": no input option, so the daemon asks our agent when the display offers input.
    {key: 'input', title: 'Input from the display', def: 'ask', always: true, items: [
        ['ask', 'Ask'], ['allow', 'Allow'], ['never', 'Never']]},
];

function protocolWords(protocol) {
    const p2p = protocol?.includes('p2p'), mice = protocol?.includes('mice');
    return p2p && mice ? 'Wi-Fi Direct or network' : p2p ? 'Wi-Fi Direct' : mice ? 'Network' : null;
}

const VIDEO_WORDS = {extend: 'Extend', window: 'A window', monitor: 'Duplicate', kms: 'Duplicate',
    pipewire: 'Duplicate', testsrc: 'Test picture'};
const AUDIO_WORDS = {tv: 'Sound on the display', mirror: 'Sound on both', none: 'No sound', tone: 'Test tone'};

// Test-only: with MIRACAST_SHELL_TEST=1 in the shell's environment, the extension owns
// org.miracastd.ShellTest on the session bus so a test can do what a person does (open the
// menu, click a display, type a PIN, press Stop) and read what is shown.
const TEST_XML = `<node><interface name="org.miracastd.ShellTest1">
<method name="OpenMenu"/><method name="OpenIndicator"/><method name="CloseMenus"/>
<method name="Cast"><arg type="s" name="display" direction="in"/></method>
<method name="TypePin"><arg type="s" name="pin" direction="in"/></method>
<method name="SubmitPin"/><method name="Stop"/>
<method name="Choose"><arg type="s" name="title" direction="in"/><arg type="s" name="label" direction="in"/></method>
<method name="OpenChoice"><arg type="s" name="title" direction="in"/></method>
<method name="AnswerInput"><arg type="b" name="allow" direction="in"/></method>
<method name="State"><arg type="s" name="json" direction="out"/></method>
</interface></node>`;

const STATE_WORDS = {
    connecting: 'Connecting…',
    negotiating: 'Agreeing on a picture format…',
    playing: 'Casting',
    paused: 'Paused',
    ending: 'Stopping…',
};

function remoteError(e) {
    const name = Gio.DBusError.is_remote_error(e) ? Gio.DBusError.get_remote_error(e) : null;
    if (name)
        Gio.DBusError.strip_remote_error(e);
    return {name, message: e.message};
}

// The daemon's objects and their properties, kept from the ObjectManager's signals.
class CastClient {
    constructor(bus, onChanged) {
        this._bus = bus;
        this._onChanged = onChanged;
        this._cancel = new Gio.Cancellable();
        this.objects = new Map(); // path -> {iface: {prop: value}}
        this.manager = {};
        this.owner = null;
        this._subs = [
            bus.signal_subscribe(BUS_NAME, 'org.freedesktop.DBus.ObjectManager', null, ROOT, null,
                Gio.DBusSignalFlags.NONE, (c, s, p, i, signal, params) => this._onObjectManager(signal, params)),
            bus.signal_subscribe(BUS_NAME, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', null, null,
                Gio.DBusSignalFlags.NONE, (c, s, path, i, n, params) => this._onProperties(path, params)),
        ];
        this._watch = Gio.bus_watch_name_on_connection(bus, BUS_NAME, Gio.BusNameWatcherFlags.NONE,
            (c, name, owner) => this._onAppeared(owner), () => this._onVanished());
    }

    destroy() {
        this._cancel.cancel();
        Gio.bus_unwatch_name(this._watch);
        for (const id of this._subs)
            this._bus.signal_unsubscribe(id);
        this._subs = [];
    }

    call(path, iface, method, params, replyType, timeout, callback) {
        this._bus.call(BUS_NAME, path, iface, method, params, replyType,
            Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION, timeout ?? -1, this._cancel, (conn, res) => {
                let reply = null, error = null;
                try {
                    reply = conn.call_finish(res);
                } catch (e) {
                    if (e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                        return;
                    error = remoteError(e);
                }
                callback?.(reply, error);
            });
    }

    // Start miracastd through D-Bus activation when nobody owns the name yet.
    // callback(null) when it is up (or starting), callback(reason) otherwise.
    activate(callback) {
        if (this.owner) {
            callback(null);
            return;
        }
        this._bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
            'StartServiceByName', new GLib.Variant('(su)', [BUS_NAME, 0]), null, Gio.DBusCallFlags.NONE,
            30000, this._cancel, (conn, res) => {
                try {
                    conn.call_finish(res);
                    callback(null);
                } catch (e) {
                    if (e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                        return;
                    const {name, message} = remoteError(e);
                    callback(name === 'org.freedesktop.DBus.Error.ServiceUnknown' ? 'not-installed' : message);
                }
            });
    }

    _onAppeared(owner) {
        this.owner = owner;
        this.call(ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', null, null, -1, reply => {
            if (!reply)
                return;
            const [objects] = reply.recursiveUnpack();
            this.objects = new Map(Object.entries(objects));
            this._onChanged('objects');
        });
        this.call(ROOT, 'org.freedesktop.DBus.Properties', 'GetAll', new GLib.Variant('(s)', [MANAGER]), null, -1,
            reply => {
                if (!reply)
                    return;
                [this.manager] = reply.recursiveUnpack();
                this._onChanged('manager');
            });
        this._onChanged('appeared');
    }

    _onVanished() {
        this.owner = null;
        this.objects.clear();
        this.manager = {};
        this._onChanged('vanished');
    }

    _onObjectManager(signal, params) {
        if (signal === 'InterfacesAdded') {
            const [path, ifaces] = params.recursiveUnpack();
            this.objects.set(path, Object.assign(this.objects.get(path) ?? {}, ifaces));
        } else if (signal === 'InterfacesRemoved') {
            const [path, names] = params.recursiveUnpack();
            const o = this.objects.get(path);
            for (const n of names)
                delete o?.[n];
            if (o && Object.keys(o).length === 0)
                this.objects.delete(path);
        }
        this._onChanged('objects');
    }

    _onProperties(path, params) {
        const [iface, changed] = params.recursiveUnpack();
        if (path === ROOT && iface === MANAGER) {
            Object.assign(this.manager, changed);
        } else {
            const o = this.objects.get(path);
            if (!o?.[iface])
                return;
            Object.assign(o[iface], changed);
        }
        this._onChanged('properties');
    }

    sinks() {
        return [...this.objects].filter(([, o]) => o[SINK])
            .map(([path, o]) => ({path, ...o[SINK]}))
            .sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
    }

    session(path) {
        return this.objects.get(path)?.[SESSION] ?? null;
    }

    // The live session of a sink, if any.
    sinkSession(sinkPath) {
        let found = null;
        for (const [path, o] of this.objects) {
            const s = o[SESSION];
            if (s && s.Sink === sinkPath && s.State !== 'ended')
                found = {path, ...s};
        }
        return found;
    }

    sinkName(path) {
        return this.objects.get(path)?.[SINK]?.Name || 'the display';
    }
}

// The PIN prompt: the display shows a PIN, the user types it here.
const PinDialog = GObject.registerClass(
class PinDialog extends ModalDialog.ModalDialog {
    _init(sinkName, onDone) {
        super._init({styleClass: 'prompt-dialog'});
        this._onDone = onDone;
        const content = new Dialog.MessageDialogContent({
            title: "Enter the display's PIN",
            description: `${sinkName} shows a PIN on its screen. Type it here to connect.`,
        });
        this._entry = new St.Entry({
            style_class: 'miracast-pin-entry',
            hint_text: '1234 5670',
            can_focus: true,
            x_align: Clutter.ActorAlign.CENTER,
        });
        this._entry.clutter_text.connect('activate', () => this._connect());
        this._entry.clutter_text.connect('text-changed', () => this._update());
        content.add_child(this._entry);
        this.contentLayout.add_child(content);
        this.addButton({label: 'Cancel', action: () => this._finish(null), key: Clutter.KEY_Escape});
        this._connectButton = this.addButton({label: 'Connect', action: () => this._connect(), default: true});
        this._update();
        this.setInitialKeyFocus(this._entry);
    }

    _digits() {
        return this._entry.get_text().replace(/[^0-9]/g, '').length;
    }

    _update() {
        // Agent1: 4 or 8 digits; spaces and dashes between them are fine.
        const ok = [4, 8].includes(this._digits());
        this._connectButton.reactive = ok;
        this._connectButton.can_focus = ok;
    }

    _connect() {
        if ([4, 8].includes(this._digits()))
            this._finish(this._entry.get_text());
    }

    _finish(pin) {
        const done = this._onDone;
        this._onDone = null;
        done?.(pin);
        this.close();
    }

    cancel() {
        this._onDone = null;
        this.close();
    }
});

// We show a PIN, the user types it on the display.
const PinShowDialog = GObject.registerClass(
class PinShowDialog extends ModalDialog.ModalDialog {
    _init(sinkName, pin) {
        super._init({styleClass: 'prompt-dialog'});
        const content = new Dialog.MessageDialogContent({
            title: 'Enter this PIN on the display',
            description: `Type this PIN on ${sinkName}:`,
        });
        // TVs show 8-digit PINs as "1234 5670".
        const text = pin.length === 8 ? `${pin.slice(0, 4)} ${pin.slice(4)}` : pin;
        content.add_child(new St.Label({text, style_class: 'miracast-pin', x_align: Clutter.ActorAlign.CENTER}));
        this.contentLayout.add_child(content);
        this.addButton({label: 'Close', action: () => this.close(), key: Clutter.KEY_Escape, default: true});
    }

    cancel() {
        this.close();
    }
});

// The display offers input (UIBC): may its touch screen, mouse or keyboard drive this desktop?
const InputDialog = GObject.registerClass(
class InputDialog extends ModalDialog.ModalDialog {
    _init(displayName, onDone) {
        super._init({styleClass: 'prompt-dialog'});
        this._onDone = onDone;
        const content = new Dialog.MessageDialogContent({
            title: `Allow input from ${displayName || 'the display'}?`,
            description: 'Its touch screen, mouse or keyboard would control this computer while you cast. ' +
                'Allow it only for a display you trust.',
        });
        this.contentLayout.add_child(content);
        // Enter and Escape alone never hand over the keyboard.
        this.addButton({label: "Don't Allow", action: () => this._finish(false), key: Clutter.KEY_Escape,
            default: true});
        this.addButton({label: 'Allow', action: () => this._finish(true)});
    }

    _finish(allow) {
        const done = this._onDone;
        this._onDone = null;
        done?.(allow);
        this.close();
    }

    cancel() {
        this._onDone = null;
        this.close();
    }
});

// Shown in the top bar while casting: the display, the mode, and Stop.
const CastingIndicator = GObject.registerClass(
class CastingIndicator extends PanelMenu.Button {
    _init(onStop) {
        super._init(0.0, 'Screen cast', false);
        const box = new St.BoxLayout({style_class: 'panel-status-indicators-box'});
        box.add_child(new St.Icon({icon_name: ICON, style_class: 'system-status-icon'}));
        this._label = new St.Label({text: 'Casting', y_align: Clutter.ActorAlign.CENTER});
        box.add_child(this._label);
        this.add_child(box);
        // Information, not actions: neither clickable nor greyed out.
        const info = {activate: false, hover: false, can_focus: false};
        this._title = new PopupMenu.PopupMenuItem('', info);
        this._title.label.add_style_class_name('miracast-title');
        this._mode = new PopupMenu.PopupMenuItem('', info);
        this._mode.label.add_style_class_name('miracast-state');
        this.menu.addMenuItem(this._title);
        this.menu.addMenuItem(this._mode);
        this.menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        this.menu.addAction('Stop Casting', onStop);
        this.accessible_name = 'Screen cast in progress';
    }

    update(title, mode, label) {
        this._title.label.text = title;
        this._mode.label.text = mode;
        this._label.text = label;
        this.accessible_name = `${title}. ${mode}`;
    }
});

const CastToggle = GObject.registerClass(
class CastToggle extends QuickMenuToggle {
    _init(ext) {
        super._init({title: 'Screen Cast', iconName: ICON, toggleMode: false});
        this._ext = ext;
        this.menu.setHeader(ICON, 'Screen Cast', 'Show this screen on a TV or display');

        this._errorItem = new PopupMenu.PopupMenuItem('', {reactive: false});
        this._errorItem.label.add_style_class_name('miracast-error');
        this._errorItem.label.clutter_text.line_wrap = true;
        this.menu.addMenuItem(this._errorItem);
        this._statusItem = new PopupMenu.PopupMenuItem('', {reactive: false});
        this._statusItem.label.add_style_class_name('miracast-state');
        this._statusItem.label.clutter_text.line_wrap = true;
        this.menu.addMenuItem(this._statusItem);
        this._displays = new PopupMenu.PopupMenuSection();
        this.menu.addMenuItem(this._displays);
        this._stopItem = this.menu.addAction('Stop Casting', () => ext.stop());

        this.user1 = false;
        this.choice = Object.fromEntries(CHOICES.map(c => [c.key, c.def]));
        this._choiceItems = [];  // {choice, value, text, item}
        this._choiceMenus = {};  // key -> the "Show: Duplicate this screen" submenu item
        this.menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        for (const c of CHOICES) {
            // One line per option, its choices folded below it: the menu stays short.
            const sub = new PopupMenu.PopupSubMenuMenuItem(c.title);
            this._choiceMenus[c.key] = sub;
            for (const [value, text] of c.items) {
                const item = new PopupMenu.PopupMenuItem(text);
                item.connect('activate', () => {
                    this.choose(c.key, value);
                    sub.setSubmenuShown(false);
                    return Clutter.EVENT_STOP;
                });
                this._choiceItems.push({choice: c, value, text, item});
                sub.menu.addMenuItem(item);
            }
            this.menu.addMenuItem(sub);
        }
        this._user1Item = new PopupMenu.PopupMenuItem(
            'Extend, a window and sound need miracastd-user, the desktop part of miracastd, ' +
            'which is not installed.', {reactive: false});
        this._user1Item.label.add_style_class_name('miracast-state');
        this._user1Item.label.clutter_text.line_wrap = true;
        this.menu.addMenuItem(this._user1Item);
        this._updateChoices();
        this.menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
        this._pinSwitch = new PopupMenu.PopupSwitchMenuItem('Connect with a PIN', false);
        this.menu.addMenuItem(this._pinSwitch);

        this.connect('clicked', () => {
            if (ext.casting)
                ext.stop();
            else
                this.menu.open(true);
        });
        this.menu.connect('open-state-changed', (m, open) => ext.menuOpenChanged(open));
    }

    get usePin() {
        return this._pinSwitch.state;
    }

    // Pick value for choice key; false when that item is not usable now.
    choose(key, value) {
        const c = this._choiceItems.find(i => i.choice.key === key && i.value === value);
        if (!c || !this._usable(c))
            return false;
        this.choice[key] = value;
        this._updateChoices();
        return true;
    }

    setUser1(available) {
        this.user1 = available;
        // Extend or a window chosen, then miracastd-user went: back to what works.
        if (!available)
            CHOICES.filter(c => !c.always).forEach(c => (this.choice[c.key] = c.def));
        this._updateChoices();
    }

    _usable(c) {
        return this.user1 || c.choice.always || c.value === 'monitor';
    }

    openChoice(key) {
        this._choiceMenus[key]?.setSubmenuShown(true);
    }

    _updateChoices() {
        for (const c of CHOICES) {
            const sub = this._choiceMenus[c.key];
            const usable = this.user1 || c.always || c.key === 'video';
            const current = c.items.find(([value]) => value === this.choice[c.key])?.[1];
            sub.label.text = usable ? `${c.title}: ${current}` : `${c.title}: needs miracastd-user`;
            // They apply to the next cast: fixed while one runs.
            sub.setSensitive(usable && !this._casting);
            sub.accessible_name = sub.label.text;
        }
        for (const c of this._choiceItems) {
            const usable = this._usable(c);
            c.item.setSensitive(usable);
            c.item.setOrnament(this.choice[c.choice.key] === c.value && usable
                ? PopupMenu.Ornament.DOT : PopupMenu.Ornament.NONE);
            c.item.accessible_name = `${c.choice.title}: ${c.text}${usable ? '' : ' (needs miracastd-user)'}`;
        }
        this._user1Item.visible = !this.user1;
    }

    showError(err, detail) {
        this._errorItem.visible = !!err;
        if (err)
            this._errorItem.label.text = detail ? `${err.what}\n${err.next}\n(${detail})` : `${err.what}\n${err.next}`;
    }

    update(client, casting, status) {
        this._statusItem.visible = !!status;
        this._statusItem.label.text = status ?? '';
        this._stopItem.visible = !!casting;
        this._displays.removeAll();
        for (const sink of client.sinks()) {
            const s = client.sinkSession(sink.path);
            const state = s ? STATE_WORDS[s.State] ?? s.State
                : sink.SessionAvailable === false ? 'In use by another device' : 'Available';
            const how = protocolWords(sink.Protocol);
            const item = new PopupMenu.PopupMenuItem(sink.Name || 'Unnamed display');
            const label = new St.Label({text: how ? `${state} · ${how}` : state, style_class: 'miracast-state',
                x_expand: true, x_align: Clutter.ActorAlign.END, y_align: Clutter.ActorAlign.CENTER});
            item.add_child(label);
            item.accessible_name = how ? `${sink.Name}, ${state}, over ${how}` : `${sink.Name}, ${state}`;
            item.setSensitive(!casting);
            item.connect('activate', () => this._ext.cast(sink.path, this.usePin));
            this._displays.addMenuItem(item);
        }
        this.checked = !!casting;
        this.subtitle = casting ? client.sinkName(casting) : null;
        if (this._casting !== !!casting) {
            this._casting = !!casting;
            this._updateChoices();
        }
    }
});

const CastIndicator = GObject.registerClass(
class CastIndicator extends SystemIndicator {
    _init(ext) {
        super._init();
        this.toggle = new CastToggle(ext);
        this.quickSettingsItems.push(this.toggle);
    }
});

export default class MiracastExtension extends Extension {
    enable() {
        this._bus = Gio.DBus.system;
        this._cancel = new Gio.Cancellable();
        this.casting = null;   // the Sink1 path of our cast
        this._session = null;  // the Session1 path Cast() returned
        this._viaUser1 = false; // started with User1.Cast: stopped with User1.Stop
        this._stopping = false;
        this._menuOpen = false;
        this._discovering = false;
        this._status = null;
        this._dialog = null;
        this._pendingPin = null;

        this._indicator = new CastIndicator(this);
        Main.panel.statusArea.quickSettings.addExternalIndicator(this._indicator);
        this._panel = new CastingIndicator(() => this.stop());
        this._panel.visible = false;
        Main.panel.addToStatusArea(`${this.uuid}-casting`, this._panel, 0, 'right');

        this._agent = Gio.DBusExportedObject.wrapJSObject(AGENT_XML, this);
        this._agent.export(this._bus, AGENT_PATH);
        this._agentRegistered = false;
        this._client = new CastClient(this._bus, what => this._changed(what));
        this._checkUser1();
        this._refresh();
        if (GLib.getenv('MIRACAST_SHELL_TEST') === '1')
            this._testEnable();
    }

    _testEnable() {
        const quick = Main.panel.statusArea.quickSettings;
        const toggle = this._indicator.toggle;
        this._test = Gio.DBusExportedObject.wrapJSObject(TEST_XML, {
            OpenMenu: () => {
                quick.menu.open(false);
                toggle.menu.open(false);
            },
            OpenIndicator: () => {
                quick.menu.close(false);
                this._panel.menu.open(false);
            },
            CloseMenus: () => {
                this._panel.menu.close(false);
                quick.menu.close(false);
            },
            Cast: name => {
                const sink = this._client.sinks().find(k => k.Name === name);
                if (!sink)
                    throw new Error(`no display named ${name}`);
                this.cast(sink.path, toggle.usePin);
            },
            TypePin: pin => this._dialog?._entry.set_text(pin),
            SubmitPin: () => this._dialog?._connect(),
            Stop: () => this.stop(),
            OpenChoice: title => {
                const c = CHOICES.find(k => k.title === title);
                if (!c)
                    throw new Error(`no option ${title}`);
                toggle.openChoice(c.key);
            },
            Choose: (title, label) => {
                const c = CHOICES.find(k => k.title === title);
                const value = c?.items.find(([, text]) => text === label)?.[0];
                if (!value || !toggle.choose(c.key, value))
                    throw new Error(`cannot choose ${title}: ${label}`);
            },
            AnswerInput: allow => {
                if (!(this._dialog instanceof InputDialog))
                    throw new Error('no input question open');
                this._dialog._finish(allow);
            },
            State: () => JSON.stringify({
                owner: this._client.owner,
                displays: this._client.sinks().map(k => `${k.Name}: ${this._client.sinkSession(k.path)?.State ?? 'available'}`),
                protocols: this._client.sinks().map(k => `${k.Name}: ${protocolWords(k.Protocol)}`),
                user1: toggle.user1,
                choice: toggle.choice,
                casting: this.casting ? this._client.sinkName(this.casting) : null,
                session: this._session ? this._client.session(this._session)?.State ?? null : null,
                dialog: this._dialog ? this._dialog.constructor.name : null,
                panel: this._panel.visible ? this._panel.accessible_name : null,
                status: this._status,
                error: toggle._errorItem.visible ? toggle._errorItem.label.text : null,
                checked: toggle.checked,
            }),
        });
        this._test.export(Gio.DBus.session, '/org/miracastd/ShellTest');
        this._testName = Gio.bus_own_name_on_connection(Gio.DBus.session, 'org.miracastd.ShellTest',
            Gio.BusNameOwnerFlags.NONE, null, null);
    }

    disable() {
        if (this._test) {
            Gio.bus_unown_name(this._testName);
            this._test.unexport();
            this._test = null;
        }
        this._closeDialog();
        this._cancel.cancel();
        if (this._discovering)
            this._client.call(ROOT, MANAGER, 'StopDiscovery', null, null, -1, null);
        this._client.destroy();
        this._client = null;
        this._agent.unexport();
        this._agent = null;
        this._panel.destroy();
        this._panel = null;
        this._indicator.quickSettingsItems.forEach(i => i.destroy());
        this._indicator.destroy();
        this._indicator = null;
    }

    // ---- Agent1 (called by miracastd) ----

    DisplayPinCode(sink, pin) {
        this._closeDialog();
        this._dialog = new PinShowDialog(this._client.sinkName(sink), pin);
        this._dialog.open();
    }

    RequestPinCodeAsync([sink], invocation) {
        this._closeDialog();
        this._pendingPin = invocation;
        this._dialog = new PinDialog(this._client.sinkName(sink), pin => {
            this._dialog = null;
            const inv = this._pendingPin;
            this._pendingPin = null;
            if (!inv)
                return;
            if (pin)
                inv.return_value(new GLib.Variant('(s)', [pin]));
            else
                inv.return_dbus_error('org.miracastd.Error.Rejected', 'The user declined');
        });
        this._dialog.open();
    }

    RequestInputAsync([session, displayName], invocation) {
        this._closeDialog();
        this._pendingInput = invocation;
        this._dialog = new InputDialog(displayName, allow => {
            this._dialog = null;
            const inv = this._pendingInput;
            this._pendingInput = null;
            inv?.return_value(new GLib.Variant('(b)', [allow]));
        });
        this._dialog.open();
    }

    Cancel() {
        this._closeDialog();
    }

    Release() {
        this._agentRegistered = false;
        this._closeDialog();
    }

    _closeDialog() {
        if (this._pendingPin) {
            this._pendingPin.return_dbus_error('org.miracastd.Error.Rejected', 'The request is over');
            this._pendingPin = null;
        }
        if (this._pendingInput) {
            // Moot (the cast ended) or replaced: no is the safe answer.
            this._pendingInput.return_value(new GLib.Variant('(b)', [false]));
            this._pendingInput = null;
        }
        this._dialog?.cancel();
        this._dialog = null;
    }

    // ---- the daemon ----

    _changed(what) {
        if (what === 'appeared') {
            this._status = null;
            if (!this._agentRegistered) {
                this._agentRegistered = true;
                this._client.call(ROOT, MANAGER, 'RegisterAgent', new GLib.Variant('(o)', [AGENT_PATH]), null, -1,
                    (r, e) => {
                        if (e)
                            this._agentRegistered = false;
                    });
            }
            if (this._menuOpen)
                this._startDiscovery();
        } else if (what === 'vanished') {
            this._agentRegistered = false;
            this._discovering = false;
            this._closeDialog();
            if (this.casting && !this._stopping)
                this._error({what: 'miracastd stopped, and the cast with it.', next: 'Start it again, then cast again.'});
            this._clearCast();
        }
        this._refresh();
    }

    _startDiscovery() {
        if (this._discovering || !this._client.owner)
            return;
        this._discovering = true;
        this._client.call(ROOT, MANAGER, 'StartDiscovery', null, null, -1, (r, e) => {
            if (!e)
                return;
            this._discovering = false;
            this._error(Errors.explain(e.name, e.message), e.message);
        });
    }

    menuOpenChanged(open) {
        this._menuOpen = open;
        if (!open) {
            if (this._discovering) {
                this._discovering = false;
                this._client.call(ROOT, MANAGER, 'StopDiscovery', null, null, -1, null);
            }
            return;
        }
        this._indicator.toggle.showError(null);
        this._checkUser1();
        if (this._client.owner) {
            this._startDiscovery();
            return;
        }
        this._status = 'Starting miracastd…';
        this._refresh();
        this._client.activate(reason => {
            if (reason === 'not-installed')
                this._status = 'miracastd is not installed. Install the miracastd package to cast.';
            else if (reason)
                this._status = `miracastd could not start: ${reason}. See journalctl -u miracastd.`;
            this._refresh();
        });
    }

    // Is org.miracastd.User running, or can the session bus start it?
    _checkUser1() {
        const bus = Gio.DBus.session;
        const done = available => {
            if (this._indicator && this._indicator.toggle.user1 !== available) {
                this._indicator.toggle.setUser1(available);
                this._refresh();
            }
        };
        const dbusCall = (method, params, type, callback) => bus.call('org.freedesktop.DBus',
            '/org/freedesktop/DBus', 'org.freedesktop.DBus', method, params, new GLib.VariantType(type),
            Gio.DBusCallFlags.NONE, -1, this._cancel, (c, res) => {
                let value = null;
                try {
                    [value] = c.call_finish(res).deepUnpack();
                } catch (e) {
                    if (e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                        return;
                }
                callback(value);
            });
        dbusCall('NameHasOwner', new GLib.Variant('(s)', [USER_NAME]), '(b)', owned => {
            if (owned)
                done(true);
            else
                dbusCall('ListActivatableNames', null, '(as)', names => done(!!names?.includes(USER_NAME)));
        });
    }

    cast(sinkPath, usePin) {
        if (this.casting)
            return;
        const toggle = this._indicator.toggle;
        toggle.showError(null);
        this.casting = sinkPath;
        this._stopping = false;
        this._viaUser1 = toggle.user1;
        const options = {method: new GLib.Variant('s', usePin ? 'pin' : 'pbc')};
        if (toggle.choice.input !== 'ask')
            options.input = new GLib.Variant('b', toggle.choice.input === 'allow');
        // balanced is the daemon's default: say only what differs.
        if (toggle.choice.latency !== 'balanced')
            options.latency = new GLib.Variant('s', toggle.choice.latency);
        const done = (reply, e) => {
            if (!this._client)
                return;
            if (e) {
                this._closeDialog();
                if (!this._stopping)
                    this._error(Errors.explain(e.name, e.message), e.message);
                this._clearCast();
            } else {
                [this._session] = reply.deepUnpack();
            }
            this._refresh();
        };
        if (this._viaUser1) {
            // miracastd-user shares the screen, routes the sound and holds the cast for its life.
            options.audio = new GLib.Variant('s', toggle.choice.audio);
            const callUser1 = video => {
                options.video = new GLib.Variant('s', video);
                Gio.DBus.session.call(USER_NAME, USER_PATH, USER1, 'Cast',
                    new GLib.Variant('(oa{sv})', [sinkPath, options]), new GLib.VariantType('(o)'),
                    Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION, CAST_TIMEOUT_MSEC, this._cancel, (c, res) => {
                        let reply = null;
                        try {
                            reply = c.call_finish(res);
                        } catch (e) {
                            if (e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                                return;
                            const err = remoteError(e);
                            // Duplicate without a ScreenCast portal: the daemon's own capture still works.
                            if (video === 'monitor' && !this._stopping &&
                                err.name === 'org.miracastd.Error.NotSupported') {
                                callUser1('daemon');
                                return;
                            }
                            done(null, err);
                            return;
                        }
                        done(reply, null);
                    });
            };
            callUser1(toggle.choice.video);
        } else {
            // persistent=false: the cast ends if the shell goes, since nothing else would show that it runs.
            options.persistent = new GLib.Variant('b', false);
            this._client.call(sinkPath, SINK, 'Cast', new GLib.Variant('(a{sv})', [options]),
                new GLib.VariantType('(o)'), CAST_TIMEOUT_MSEC, done);
        }
        this._refresh();
    }

    stop() {
        if (!this.casting)
            return;
        const s = this._session ? {path: this._session} : this._client.sinkSession(this.casting);
        this._stopping = true;
        if (this._viaUser1 && this._session) {
            // Its cast: miracastd-user also closes the screen share and gives the sound back.
            Gio.DBus.session.call(USER_NAME, USER_PATH, USER1, 'Stop', new GLib.Variant('(o)', [this._session]),
                null, Gio.DBusCallFlags.NONE, -1, this._cancel, (c, res) => {
                    try {
                        c.call_finish(res);
                    } catch (e) {
                        if (!e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                            log(`miracast: User1.Stop: ${e.message}`);
                    }
                });
        } else if (s) {
            this._client.call(s.path, SESSION, 'Stop', null, null, -1, null);
        }
        this._refresh();
    }

    _clearCast() {
        this.casting = null;
        this._session = null;
        this._stopping = false;
        this._viaUser1 = false;
    }

    _error(err, detail) {
        this._indicator.toggle.showError(err, detail);
        if (!this._menuOpen)
            Main.notify('Screen Cast', `${err.what} ${err.next}`);
    }

    _refresh() {
        if (!this._client)
            return;
        // Our session ended after Cast() answered: say why unless we stopped it.
        if (this._session) {
            const s = this._client.session(this._session);
            if (!s || s.State === 'ended') {
                if (!this._stopping)
                    this._error({what: 'The cast ended.', next: 'Choose the display to cast again.'}, s?.EndReason);
                this._clearCast();
            }
        }
        let status = this._status;
        if (!status && this._client.owner && this._client.manager.Backend === 'none')
            this._indicator.toggle.showError(Errors.NO_BACKEND);
        if (!status && this._client.owner && this._client.sinks().length === 0)
            status = 'Searching for displays…';
        this._indicator.toggle.update(this._client, this.casting, status);

        this._panel.visible = !!this.casting;
        if (this.casting) {
            const name = this._client.sinkName(this.casting);
            const s = this._session ? this._client.session(this._session) : this._client.sinkSession(this.casting);
            if (s && (s.State === 'playing' || s.State === 'paused')) {
                // What is shown and where the sound plays, when the daemon says.
                const extra = [VIDEO_WORDS[s.VideoSource], AUDIO_WORDS[s.AudioSource]].filter(w => w);
                this._panel.update(`Casting to ${name}`,
                    [`${s.Width}×${s.Height} at ${s.RefreshRate} Hz`, s.VideoCodec || 'video', ...extra].join(' · '),
                    s.State === 'paused' ? 'Paused' : 'Casting');
            } else {
                this._panel.update(this._stopping ? `Stopping the cast to ${name}…` : `Connecting to ${name}…`,
                    STATE_WORDS[s?.State] ?? 'Waiting for the display to accept', 'Connecting');
            }
        }
    }
}
