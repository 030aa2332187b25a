package org.multiserver.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.multiserver.shs.ShsAuthorizer;
import org.multiserver.spi.Option;

/**
 * {@code serve --allow}: the public keys (standard padded base64) let in, as an authorizer for each transform that
 * authenticates clients.
 */
final class AllowList {
    private final Set<String> keys;

    AllowList(Set<String> keys) {
        this.keys = Set.copyOf(keys);
    }

    boolean allows(String key) {
        return keys.contains(key);
    }

    ShsAuthorizer shs() {
        return key -> CompletableFuture.completedFuture(allows(key));
    }

    /**
     * An authorizer for a plugin's authorize option whose type we know only at run time (shs2's may come from the
     * plugin path, in a class loader our classes cannot see): a proxy of {@code option.type()}, which must be a
     * functional interface whose method takes the client's key first and answers a
     * {@code CompletionStage<Boolean>}. Any other shape is refused, so {@code --allow} never silently lets everyone
     * in over one stack.
     */
    <T> T as(Option<T> option) {
        Class<T> type = option.type();
        Method decide = theOneAbstractMethod(type, option.name());
        if (decide.getParameterCount() == 0 || decide.getParameterTypes()[0] != String.class
                || !decide.getReturnType().isAssignableFrom(CompletableFuture.class)) {
            throw new IllegalArgumentException("--allow cannot be applied to option " + option.name() + ": "
                    + type.getName() + "." + decide.getName() + " does not take the client's key first and answer"
                    + " a CompletionStage");
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.equals(decide)) {
                return CompletableFuture.completedFuture(allows((String) args[0]));
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "allow " + keys;
                default -> throw new UnsupportedOperationException(method.toString());
            };
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, handler));
    }

    private static Method theOneAbstractMethod(Class<?> type, String optionName) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException("--allow cannot be applied to option " + optionName + ": its type "
                    + type.getName() + " is not an interface");
        }
        List<Method> abstracts = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                abstracts.add(m);
            }
        }
        if (abstracts.size() != 1) {
            throw new IllegalArgumentException("--allow cannot be applied to option " + optionName + ": "
                    + type.getName() + " has " + abstracts.size() + " abstract methods, not one");
        }
        return abstracts.get(0);
    }
}
