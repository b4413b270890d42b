package io.chainmux.wire;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ErrorCodeTest {

    @Test
    void wireCodesAreContiguousFromZeroAndUnique() {
        Set<Integer> seen = new HashSet<>();
        int wire = 0;
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(seen.add(c.code)).as(c.name()).isTrue();
            assertThat(c.description).isNotBlank();
            if (c.onWire()) {
                assertThat(c.code).isEqualTo(wire++);
                assertThat(ErrorCode.fromWire(c.code)).isEqualTo(c);
            }
        }
        assertThat(wire).isEqualTo(0x17);
        assertThat(ErrorCode.APPLICATION_ERROR.code).isEqualTo(0x13);
    }

    @Test
    void unknownAndLocalCodesMapToUnknown() {
        assertThat(ErrorCode.fromWire(0x17)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.fromWire(0x1001)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.fromWire(0xFFF)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.fromWire(0x1000)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.fromWire(-1)).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(ErrorCode.UNKNOWN.onWire()).isFalse();
        assertThat(ErrorCode.CONNECTION_LOST.onWire()).isFalse();
        assertThat(ErrorCode.WRITE_TIMEOUT.onWire()).isFalse();
    }

    @Test
    void refusals() {
        Set<ErrorCode> refusals = EnumSet.noneOf(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            if (c.isRefusal()) {
                refusals.add(c);
            }
        }
        assertThat(refusals).containsExactlyInAnyOrder(ErrorCode.REFUSED_UNKNOWN_NETWORK, ErrorCode.REFUSED_BUSY,
                ErrorCode.REFUSED_LIMIT, ErrorCode.REFUSED_GOING_AWAY);
    }

    @Test
    void frameTypeCodes() {
        for (FrameType t : FrameType.values()) {
            assertThat(t.code).isEqualTo(t.ordinal());
            assertThat(FrameType.fromCode(t.code)).isEqualTo(t);
        }
        assertThat(FrameType.fromCode(0x0B)).isNull();
        assertThat(FrameType.fromCode(0xFF)).isNull();
    }

    @Test
    void muxExceptionScope() {
        MuxException s = MuxException.stream(7, ErrorCode.MESSAGE_TOO_LARGE, "message of %d bytes", 99);
        assertThat(s.isConnectionError()).isFalse();
        assertThat(s.streamId()).isEqualTo(7);
        assertThat(s.getMessage()).isEqualTo("MESSAGE_TOO_LARGE on stream 7: message of 99 bytes");
        MuxException c = MuxException.connection(ErrorCode.FLOW_CONTROL_ERROR, "over by %d", 1);
        assertThat(c.getMessage()).isEqualTo("FLOW_CONTROL_ERROR: over by 1");
        assertThatThrownBy(() -> MuxException.stream(0, ErrorCode.CANCEL, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
