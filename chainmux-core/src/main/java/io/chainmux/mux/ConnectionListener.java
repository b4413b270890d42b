package io.chainmux.mux;

import io.chainmux.wire.ErrorCode;

/** Events of one connection. Called on the event loop; must not block. */
public interface ConnectionListener {
    /**
     * The peer opened a stream. Call {@link MuxStream#accept} or {@link MuxStream#refuse}, now or later,
     * from any thread; opens left undecided count against {@link MuxConfig#maxPendingAccepts()}.
     */
    void onStreamOpened(MuxStream stream);

    /** The peer's SETTINGS arrived: streams can now be opened without waiting. */
    default void onReady(MuxConnection connection) {}

    /** The peer announced it is going away: no new streams; existing ones may finish. */
    default void onGoAway(MuxConnection connection, ErrorCode code, String reason) {}

    /** Terminal event of the connection, exactly once. Every stream got its own terminal event first. */
    default void onClosed(MuxConnection connection, CloseReason reason) {}
}
