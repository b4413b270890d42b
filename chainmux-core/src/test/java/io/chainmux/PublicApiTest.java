package io.chainmux;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.chainmux.config.Internal;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What chainmux-core offers as API: every public class not marked {@link Internal}. The plumbing between
 * layers is either package-private (behind a public factory, like {@code MuxConnection.handler()}) or marked
 * {@link Internal}, and no public signature of the API exposes either (docs/ARCHITECTURE.md, "Public API").
 */
class PublicApiTest {
    static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.chainmux");

    /** Plumbing with a public factory or a caller in its own package only: not visible outside it. */
    @Test
    void plumbingIsNotPublic() {
        for (String name : List.of("io.chainmux.mux.MuxHandler", "io.chainmux.mux.DeficitRoundRobinScheduler",
                "io.chainmux.mux.WriteScheduler", "io.chainmux.broker.SerialExecutor")) {
            assertThat(CORE.get(name).getModifiers()).as(name).doesNotContain(JavaModifier.PUBLIC);
        }
    }

    /** Used by another layer, so public, but not API. */
    @Test
    void crossLayerPlumbingIsMarkedInternal() {
        for (String name : List.of("io.chainmux.wire.FrameReader", "io.chainmux.wire.FrameWriter",
                "io.chainmux.wire.FrameListener", "io.chainmux.endpoint.identity.Hello",
                "io.chainmux.endpoint.identity.TlsContexts")) {
            assertThat(CORE.get(name).isAnnotatedWith(Internal.class)).as(name).isTrue();
        }
    }

    @Test
    void noPublicSignatureOfTheApiExposesAnInternalOrNonPublicClass() {
        List<String> leaks = new ArrayList<>();
        int apiClasses = 0;
        for (JavaClass c : CORE) {
            if (!isApi(c)) {
                continue;
            }
            apiClasses++;
            c.getRawSuperclass().filter(PublicApiTest::hidden).ifPresent(s -> leaks.add(c.getName() + " extends " + s.getName()));
            c.getRawInterfaces().stream().filter(PublicApiTest::hidden)
                    .forEach(i -> leaks.add(c.getName() + " implements " + i.getName()));
            for (JavaCodeUnit m : c.getCodeUnits()) {
                if (visible(m.getModifiers()) && !m.getName().equals("<clinit>")) {
                    List<JavaType> types = new ArrayList<>(m.getParameterTypes());
                    types.add(m.getReturnType());
                    for (JavaType t : types) {
                        t.getAllInvolvedRawTypes().stream().filter(PublicApiTest::hidden)
                                .forEach(h -> leaks.add(m.getFullName() + " uses " + h.getName()));
                    }
                }
            }
            for (JavaField f : c.getFields()) {
                if (visible(f.getModifiers())) {
                    f.getType().getAllInvolvedRawTypes().stream().filter(PublicApiTest::hidden)
                            .forEach(h -> leaks.add(f.getFullName() + " is a " + h.getName()));
                }
            }
        }
        assertThat(apiClasses).as("API classes found").isGreaterThan(40);
        assertThat(leaks).as("public API signatures that expose plumbing").isEmpty();
    }

    /** A public class, not marked internal, all of whose enclosing classes are the same. */
    static boolean isApi(JavaClass c) {
        for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            if (!k.getModifiers().contains(JavaModifier.PUBLIC) || k.isAnnotatedWith(Internal.class)) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isLocalClass();
    }

    static boolean visible(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    /** A chainmux class that is not API. */
    static boolean hidden(JavaClass c) {
        JavaClass base = c.isArray() ? c.getBaseComponentType() : c;
        return base.getPackageName().startsWith("io.chainmux") && !isApi(base);
    }
}
