/** @jsxImportSource react */
/**
 * The README's live todo list: `useLiveList` keeps it in step with every other client over SSE;
 * create, toggle, delete and reorder apply at once (optimistically) and queue while offline.
 */
import { useState, type FormEvent } from "react";
import { useLiveList } from "covara/client/react";

export interface Todo {
  id: number;
  title: string;
  done: boolean;
  position: number;
  [key: string]: unknown;
}

export function TodoList() {
  const { items, status, mutate } = useLiveList<Todo>("/api/todos", { orderBy: "position" });
  const [title, setTitle] = useState("");

  const add = (event: FormEvent) => {
    event.preventDefault();
    const text = title.trim();
    if (!text) return;
    const last = items.reduce((max, todo) => Math.max(max, Number(todo.position) || 0), 0);
    mutate.create({ title: text, position: last + 1 });
    setTitle("");
  };
  /** Swaps positions with the neighbour above (`-1`) or below (`+1`). */
  const move = (index: number, step: -1 | 1) => {
    const todo = items[index];
    const other = items[index + step];
    if (!todo || !other) return;
    mutate.update(todo.id, { position: other.position });
    mutate.update(other.id, { position: todo.position });
  };

  return (
    <main>
      <h1>Todos</h1>
      <p className="status" data-testid="status">{status}</p>
      <form onSubmit={add}>
        <input type="text" aria-label="New todo" placeholder="What needs doing?" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      <ul aria-label="Todos">
        {items.map((todo, index) => (
          <li key={todo.id} data-testid="todo" data-id={String(todo.id)} className={`${todo.done ? "done" : ""} ${String(todo.id).startsWith("optimistic_") ? "pending" : ""}`}>
            <input type="checkbox" aria-label={`Done: ${todo.title}`} checked={Boolean(todo.done)} onChange={() => mutate.update(todo.id, { done: !todo.done })} />
            <span className="title">{todo.title}</span>
            <button type="button" aria-label={`Move up: ${todo.title}`} onClick={() => move(index, -1)}>↑</button>
            <button type="button" aria-label={`Move down: ${todo.title}`} onClick={() => move(index, 1)}>↓</button>
            <button type="button" aria-label={`Delete: ${todo.title}`} onClick={() => mutate.delete(todo.id)}>✕</button>
          </li>
        ))}
      </ul>
    </main>
  );
}
