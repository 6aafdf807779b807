/** @jsxImportSource react */
/** The example's browser entry: one client for the page (offline-capable), then the todo list. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { getOrCreateClient } from "covara/client";
import { TodoList } from "./TodoList.js";

getOrCreateClient({ baseUrl: window.location.origin, credentials: "include", offline: true });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <TodoList />
  </StrictMode>,
);
