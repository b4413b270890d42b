package io.chainmux.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Not public API: a class public only because another layer of chainmux-core uses it (the frame codec, the
 * handshake messages). It may change or go in any release; applications use the
 * layers' API instead ({@code MuxConnection}, {@code Endpoint}, {@code P2pNode}, ...). No public API class
 * exposes one in a public signature (a build test checks this).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Internal {}
