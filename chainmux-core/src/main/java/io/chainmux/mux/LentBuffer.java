package io.chainmux.mux;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A window of a buffer the connection lends for the length of one call, in two uses:
 *
 * <ul>
 *   <li>Sending: the room a {@link MessageEncoder} writes its message into, {@code maxLength} bytes in
 *       a buffer the stream owns (the write pass's batch, or the stream's queue chunk), just behind
 *       the place where the frame header will go ({@link #lend}). The message is every byte from 0 to
 *       the writer index when the encoder returns.</li>
 *   <li>Receiving: a whole message lent to a {@link LentMessageListener}, read only
 *       ({@link #lendMessage}): the bytes of the read buffer the frame arrived in, or of the
 *       buffer its fragments were reassembled into.</li>
 * </ul>
 *
 * <p>Index 0 is the message's first byte. It guards the buffer behind it: its capacity is fixed at
 * the window's length (a write beyond it throws), it cannot be retained, released or unwrapped,
 * exposes no array nor memory address, and is inaccessible (reference count 0) outside the call, so
 * a caller that keeps it cannot reach a later message or the frames around it. A connection has one
 * for each use, reused for every message on its event loop: lending allocates nothing.
 *
 * <p>Event-loop confined.
 */
final class LentBuffer extends AbstractByteBuf {
    private final boolean readOnly;
    private ByteBuf target;
    private int base;
    private int length;
    private boolean lent;

    /** A buffer to lend to encoders: writable. */
    LentBuffer() {
        this(false);
    }

    /** @param readOnly whether it lends messages to read (every write throws {@link ReadOnlyBufferException}) */
    LentBuffer(boolean readOnly) {
        super(0);
        this.readOnly = readOnly;
    }

    /** Lends {@code length} bytes of {@code target} from index {@code base} on to write; indices start at 0. */
    LentBuffer lend(ByteBuf target, int base, int length) {
        this.target = target;
        this.base = base;
        this.length = length;
        maxCapacity(length);
        setIndex(0, 0);
        lent = true;
        return this;
    }

    /** Lends the message of {@code length} bytes at {@code base} in {@code target} to read: all of it readable. */
    LentBuffer lendMessage(ByteBuf target, int base, int length) {
        lend(target, base, length);
        writerIndex(length);
        return this;
    }

    /** Ends the loan; returns the message's length (the writer index). */
    int end() {
        lent = false;
        target = null;
        return writerIndex();
    }

    boolean isLent() {
        return lent;
    }

    @Override
    public int capacity() {
        return length;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        throw new UnsupportedOperationException("a lent buffer has a fixed capacity of " + length + " bytes");
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Every write goes through here first: a message lent to read refuses it. */
    private void writing() {
        if (readOnly) {
            throw new ReadOnlyBufferException();
        }
    }

    @Override
    public ByteBufAllocator alloc() {
        return target == null ? ByteBufAllocator.DEFAULT : target.alloc();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return target != null && target.isDirect();
    }

    // ---- no way past the window: the buffer behind it holds other frames ----

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("a lent buffer has no accessible array");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("a lent buffer has no accessible array");
    }

    @Override
    public boolean hasMemoryAddress() {
        return false;
    }

    @Override
    public long memoryAddress() {
        throw new UnsupportedOperationException("a lent buffer has no accessible memory address");
    }

    // ---- reference counting: the stream or the connection owns the buffer; it is live only during the call ----

    @Override
    public int refCnt() {
        return lent ? 1 : 0;
    }

    @Override
    public ByteBuf retain() {
        throw new IllegalReferenceCountException(
                "a lent buffer is valid only during the call: it cannot be retained (copy the bytes to keep them)");
    }

    @Override
    public ByteBuf retain(int increment) {
        return retain();
    }

    @Override
    public boolean release() {
        throw new IllegalReferenceCountException("a lent buffer belongs to the connection: it cannot be released");
    }

    @Override
    public boolean release(int decrement) {
        return release();
    }

    @Override
    public ByteBuf touch() {
        return this;
    }

    @Override
    public ByteBuf touch(Object hint) {
        return this;
    }

    // ---- element access, shifted into the window (AbstractByteBuf has checked the index) ----

    @Override
    protected byte _getByte(int index) {
        return target.getByte(base + index);
    }

    @Override
    protected short _getShort(int index) {
        return target.getShort(base + index);
    }

    @Override
    protected short _getShortLE(int index) {
        return target.getShortLE(base + index);
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return target.getUnsignedMedium(base + index);
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return target.getUnsignedMediumLE(base + index);
    }

    @Override
    protected int _getInt(int index) {
        return target.getInt(base + index);
    }

    @Override
    protected int _getIntLE(int index) {
        return target.getIntLE(base + index);
    }

    @Override
    protected long _getLong(int index) {
        return target.getLong(base + index);
    }

    @Override
    protected long _getLongLE(int index) {
        return target.getLongLE(base + index);
    }

    @Override
    protected void _setByte(int index, int value) {
        writing();
        target.setByte(base + index, value);
    }

    @Override
    protected void _setShort(int index, int value) {
        writing();
        target.setShort(base + index, value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        writing();
        target.setShortLE(base + index, value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        writing();
        target.setMedium(base + index, value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        writing();
        target.setMediumLE(base + index, value);
    }

    @Override
    protected void _setInt(int index, int value) {
        writing();
        target.setInt(base + index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        writing();
        target.setIntLE(base + index, value);
    }

    @Override
    protected void _setLong(int index, long value) {
        writing();
        target.setLong(base + index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        writing();
        target.setLongLE(base + index, value);
    }

    // ---- bulk access, checked against the window first ----

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        target.getBytes(base + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        target.getBytes(base + index, dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        checkIndex(index, dst.remaining());
        target.getBytes(base + index, dst);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        target.getBytes(base + index, out, length);
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return target.getBytes(base + index, out, length);
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return target.getBytes(base + index, out, position, length);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        writing();
        checkSrcIndex(index, length, srcIndex, src.capacity());
        target.setBytes(base + index, src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        writing();
        checkSrcIndex(index, length, srcIndex, src.length);
        target.setBytes(base + index, src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        writing();
        checkIndex(index, src.remaining());
        target.setBytes(base + index, src);
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        writing();
        checkIndex(index, length);
        return target.setBytes(base + index, in, length);
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        writing();
        checkIndex(index, length);
        return target.setBytes(base + index, in, length);
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        writing();
        checkIndex(index, length);
        return target.setBytes(base + index, in, position, length);
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        return target.copy(base + index, length);
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    /** A view of the window for encoders that write to NIO buffers, read only for a lent message (valid only during the call). */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        ByteBuffer b = target.nioBuffer(base + index, length);
        return readOnly ? b.asReadOnlyBuffer() : b;
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }
}
