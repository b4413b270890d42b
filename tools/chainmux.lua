-- Wireshark dissector for the chainmux wire protocol, version 1 (docs/PROTOCOL.md), plaintext mode.
-- (With TLS on, give Wireshark the session keys and it dissects the decrypted stream the same way.)
--
--   wireshark -X lua_script:tools/chainmux.lua capture.pcapng
--   tshark -X lua_script:tools/chainmux.lua -r capture.pcapng -Y cmux -O cmux
--   or copy it to ~/.local/lib/wireshark/plugins/
--
-- Finds chainmux on any TCP port by its preamble ("CMUX" at the start of each direction), and on
-- the port set in Preferences > Protocols > CHAINMUX (default 7000). Every frame gets a subtree
-- with its header and payload fields; the stream id's network id (from the stream's OPEN) is shown
-- on every frame of the stream as cmux.network.

local cmux = Proto("cmux", "chainmux")

local MAGIC = 0x434D5558
local HEADER = 9

local types = {
    [0x0] = "DATA", [0x1] = "OPEN", [0x2] = "ACCEPT", [0x3] = "RESET", [0x4] = "WINDOW_UPDATE",
    [0x5] = "PING", [0x6] = "GO_AWAY", [0x7] = "SETTINGS", [0x8] = "MAX_STREAMS", [0x9] = "HELLO",
    [0xA] = "AUTH",
}
local errors = {
    [0x0] = "NO_ERROR", [0x1] = "PROTOCOL_ERROR", [0x2] = "INTERNAL_ERROR", [0x3] = "FLOW_CONTROL_ERROR",
    [0x4] = "FRAME_SIZE_ERROR", [0x5] = "STREAM_LIMIT_ERROR", [0x6] = "STREAM_CLOSED",
    [0x7] = "MESSAGE_TOO_LARGE", [0x8] = "CANCEL", [0x9] = "REFUSED_UNKNOWN_NETWORK", [0xA] = "REFUSED_BUSY",
    [0xB] = "REFUSED_LIMIT", [0xC] = "REFUSED_GOING_AWAY", [0xD] = "ENHANCE_YOUR_CALM",
    [0xE] = "UNSUPPORTED_VERSION", [0xF] = "HANDSHAKE_FAILED", [0x10] = "IDLE_TIMEOUT",
    [0x11] = "SETTINGS_TIMEOUT", [0x12] = "SESSION_TIMEOUT", [0x13] = "APPLICATION_ERROR",
    [0x14] = "CROSSED_CONNECTION", [0x15] = "REFUSED_CONNECTION",
}
local settings = {
    [0x1] = "MAX_FRAME_SIZE", [0x2] = "INITIAL_STREAM_WINDOW", [0x3] = "INITIAL_CONNECTION_WINDOW",
    [0x4] = "MAX_STREAMS", [0x5] = "MAX_MESSAGE_SIZE",
}

local f = {
    magic = ProtoField.uint32("cmux.preamble.magic", "Magic", base.HEX),
    min_version = ProtoField.uint8("cmux.preamble.min_version", "Min version"),
    max_version = ProtoField.uint8("cmux.preamble.max_version", "Max version"),
    reserved = ProtoField.uint16("cmux.preamble.reserved", "Reserved", base.HEX),
    length = ProtoField.uint24("cmux.length", "Length"),
    type = ProtoField.uint8("cmux.type", "Type", base.HEX, types),
    flags = ProtoField.uint8("cmux.flags", "Flags", base.HEX),
    end_message = ProtoField.bool("cmux.flags.end_message", "END_MESSAGE", 8, nil, 0x1),
    fin = ProtoField.bool("cmux.flags.fin", "FIN", 8, nil, 0x2),
    ack = ProtoField.bool("cmux.flags.ack", "ACK", 8, nil, 0x1),
    stream_id = ProtoField.uint32("cmux.stream_id", "Stream id", base.DEC, nil, 0x7FFFFFFF),
    network = ProtoField.string("cmux.network", "Network (from the stream's OPEN)"),
    data = ProtoField.bytes("cmux.data", "Message bytes"),
    max_message_size = ProtoField.uint32("cmux.max_message_size", "Max message size"),
    network_id_length = ProtoField.uint8("cmux.network_id_length", "Network id length"),
    network_id = ProtoField.string("cmux.network_id", "Network id"),
    error_code = ProtoField.uint32("cmux.error_code", "Error code", base.HEX, errors),
    detail = ProtoField.bytes("cmux.detail", "Detail"),
    increment = ProtoField.uint32("cmux.window_increment", "Window increment"),
    opaque = ProtoField.uint64("cmux.ping.opaque", "Opaque data", base.HEX),
    last_stream_id = ProtoField.uint32("cmux.goaway.last_stream_id", "Last stream id", base.DEC, nil, 0x7FFFFFFF),
    reason = ProtoField.string("cmux.goaway.reason", "Reason"),
    setting_id = ProtoField.uint16("cmux.setting.id", "Setting", base.HEX, settings),
    setting_value = ProtoField.uint32("cmux.setting.value", "Value"),
    stream_credit = ProtoField.uint32("cmux.stream_credit", "Stream credit"),
    public_key = ProtoField.bytes("cmux.hello.public_key", "Public key (Ed25519)"),
    nonce = ProtoField.bytes("cmux.hello.nonce", "Nonce"),
    stripe_index = ProtoField.uint8("cmux.hello.stripe_index", "Stripe index"),
    stripe_count = ProtoField.uint8("cmux.hello.stripe_count", "Stripe count"),
    addr_length = ProtoField.uint8("cmux.hello.address_length", "Advertised address length"),
    address = ProtoField.string("cmux.hello.advertised_address", "Advertised address"),
    signature = ProtoField.bytes("cmux.auth.signature", "Signature"),
}
local list = {}
for _, field in pairs(f) do
    list[#list + 1] = field
end
cmux.fields = list

cmux.prefs.port = Pref.uint("TCP port", 7000, "Also decode this TCP port as chainmux without seeing its preamble")

-- Network id per (connection, stream id), learned from OPEN frames in capture order.
local networks = {}

local function connection_key(pinfo)
    local a = tostring(pinfo.src) .. ":" .. pinfo.src_port
    local b = tostring(pinfo.dst) .. ":" .. pinfo.dst_port
    if a < b then
        return a .. "|" .. b
    end
    return b .. "|" .. a
end

local function payload(tree, ftype, tvb, key, sid)
    local len = tvb:len()
    if ftype == 0x0 then
        if len > 0 then
            tree:add(f.data, tvb)
        end
    elseif ftype == 0x1 and len >= 5 then
        tree:add(f.max_message_size, tvb(0, 4))
        local idlen = tvb(4, 1):uint()
        tree:add(f.network_id_length, tvb(4, 1))
        if len >= 5 + idlen then
            local id = tvb(5, idlen):string()
            tree:add(f.network_id, tvb(5, idlen))
            networks[key .. "#" .. sid] = id
            return "net=" .. id
        end
    elseif ftype == 0x2 and len >= 4 then
        tree:add(f.max_message_size, tvb(0, 4))
    elseif ftype == 0x3 and len >= 4 then
        tree:add(f.error_code, tvb(0, 4))
        if len > 4 then
            tree:add(f.detail, tvb(4))
        end
        return errors[tvb(0, 4):uint()] or string.format("0x%x", tvb(0, 4):uint())
    elseif ftype == 0x4 and len >= 4 then
        tree:add(f.increment, tvb(0, 4))
        return "+" .. tvb(0, 4):uint()
    elseif ftype == 0x5 and len >= 8 then
        tree:add(f.opaque, tvb(0, 8))
    elseif ftype == 0x6 and len >= 8 then
        tree:add(f.last_stream_id, tvb(0, 4))
        tree:add(f.error_code, tvb(4, 4))
        if len > 8 then
            tree:add(f.reason, tvb(8))
        end
        return (errors[tvb(4, 4):uint()] or "?") .. (len > 8 and (" \"" .. tvb(8):string() .. "\"") or "")
    elseif ftype == 0x7 then
        local at = 0
        while at + 6 <= len do
            local entry = tree:add(cmux, tvb(at, 6), "Setting")
            entry:add(f.setting_id, tvb(at, 2))
            entry:add(f.setting_value, tvb(at + 2, 4))
            entry:append_text(": " .. (settings[tvb(at, 2):uint()] or "unknown") .. " = " .. tvb(at + 2, 4):uint())
            at = at + 6
        end
    elseif ftype == 0x8 and len >= 4 then
        tree:add(f.stream_credit, tvb(0, 4))
        return "credit=" .. tvb(0, 4):uint()
    elseif ftype == 0x9 and len >= 67 then
        tree:add(f.public_key, tvb(0, 32))
        tree:add(f.nonce, tvb(32, 32))
        tree:add(f.stripe_index, tvb(64, 1))
        tree:add(f.stripe_count, tvb(65, 1))
        local alen = tvb(66, 1):uint()
        tree:add(f.addr_length, tvb(66, 1))
        if alen > 0 and len >= 67 + alen then
            tree:add(f.address, tvb(67, alen))
        end
        return "stripe " .. tvb(64, 1):uint() .. "/" .. tvb(65, 1):uint()
    elseif ftype == 0xA and len >= 64 then
        tree:add(f.signature, tvb(0, 64))
    end
    return nil
end

-- Dissects whole frames from offset on; returns the bytes consumed, or asks TCP for more.
function cmux.dissector(tvb, pinfo, root)
    local total = tvb:len()
    local offset = 0
    local summary = {}
    pinfo.cols.protocol = "CHAINMUX"
    local key = connection_key(pinfo)
    if total >= 8 and tvb(0, 4):uint() == MAGIC then
        local t = root:add(cmux, tvb(0, 8), "chainmux preamble")
        t:add(f.magic, tvb(0, 4))
        t:add(f.min_version, tvb(4, 1))
        t:add(f.max_version, tvb(5, 1))
        t:add(f.reserved, tvb(6, 2))
        summary[#summary + 1] = "PREAMBLE v" .. tvb(4, 1):uint() .. "-" .. tvb(5, 1):uint()
        offset = 8
    end
    while offset < total do
        -- A frame that continues in the next segment: ask TCP to reassemble from its start (and
        -- claim the whole buffer, as Wireshark's Lua examples do).
        if total - offset < HEADER then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            offset = total
            break
        end
        local len = tvb(offset, 3):uint()
        if total - offset < HEADER + len then
            pinfo.desegment_offset = offset
            pinfo.desegment_len = HEADER + len - (total - offset)
            offset = total
            break
        end
        local ftype = tvb(offset + 3, 1):uint()
        local flags = tvb(offset + 4, 1):uint()
        local sid = bit.band(tvb(offset + 5, 4):uint(), 0x7FFFFFFF)
        local name = types[ftype] or string.format("UNKNOWN(0x%x)", ftype)
        local t = root:add(cmux, tvb(offset, HEADER + len), "chainmux " .. name)
        t:add(f.length, tvb(offset, 3))
        t:add(f.type, tvb(offset + 3, 1))
        local ft = t:add(f.flags, tvb(offset + 4, 1))
        if ftype == 0x0 then
            ft:add(f.end_message, tvb(offset + 4, 1))
            ft:add(f.fin, tvb(offset + 4, 1))
        elseif ftype == 0x5 then
            ft:add(f.ack, tvb(offset + 4, 1))
        end
        t:add(f.stream_id, tvb(offset + 5, 4))
        local extra = payload(t, ftype, tvb(offset + HEADER, len):tvb(), key, sid)
        local net = sid ~= 0 and networks[key .. "#" .. sid] or nil
        if net ~= nil then
            t:add(f.network, net):set_generated()
        end
        local text = name .. (sid ~= 0 and (" s=" .. sid) or "")
        if ftype == 0x5 and bit.band(flags, 0x1) ~= 0 then
            text = text .. " ACK"
        end
        if ftype == 0x0 then
            text = text .. " " .. len .. "B" .. (bit.band(flags, 0x2) ~= 0 and " FIN" or "")
        end
        if extra ~= nil then
            text = text .. " " .. extra
        elseif net ~= nil then
            text = text .. " net=" .. net
        end
        t:append_text(": " .. text)
        summary[#summary + 1] = text
        offset = offset + HEADER + len
    end
    if #summary > 0 then
        pinfo.cols.info = table.concat(summary, ", ")
    end
    return offset
end

-- A connection whose payload starts with the preamble is chainmux, whatever the port.
local function heuristic(tvb, pinfo, root)
    if tvb:len() < 8 or tvb(0, 4):uint() ~= MAGIC then
        return false
    end
    pinfo.conversation = cmux
    cmux.dissector(tvb, pinfo, root)
    return true
end

cmux:register_heuristic("tcp", heuristic)

local registered_port = nil
function cmux.prefs_changed()
    local tcp = DissectorTable.get("tcp.port")
    if registered_port ~= nil then
        tcp:remove(registered_port, cmux)
    end
    registered_port = cmux.prefs.port
    if registered_port ~= 0 then
        tcp:add(registered_port, cmux)
    end
end
DissectorTable.get("tcp.port"):add(cmux.prefs.port, cmux)
registered_port = cmux.prefs.port
